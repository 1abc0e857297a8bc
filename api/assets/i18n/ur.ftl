# Urdu labels of the public pages (the default language). Every key here must
# exist in en.ftl too (a unit test checks both catalogues and every key the pages use).

site-name = پولیس خدمت مرکز
site-tagline = آپ کے پولیس خدمت مرکز میں شکایات اور خدمات
switch-language = English
nav-home = پہلا صفحہ
nav-track = شکایت کی صورتحال
footer-note = ان صفحات پر کسی کا نام، فون نمبر یا پتہ نہیں دکھایا جاتا۔ اپنا ٹریکنگ کوڈ کسی کو نہ دیں: جس کے پاس یہ کوڈ ہو وہ آپ کا کیس دیکھ سکتا ہے۔

landing-title = شکایت درج کرائیں، اس کی صورتحال دیکھیں، ملنے والی مدد کی درجہ بندی کریں
landing-intro = اپنے پولیس خدمت مرکز کے کاؤنٹر پر افسر آپ کی شکایت درج کرتا ہے اور آپ کو ٹریکنگ کوڈ والی رسید دیتا ہے۔ اس کوڈ سے آپ کسی بھی وقت، بغیر اکاؤنٹ کے، یہاں اپنے کیس کی صورتحال دیکھ سکتے ہیں۔
landing-what-heading = آپ کیا درج کرا سکتے ہیں
landing-what-text = ہر قسم کی شکایت کے لیے وعدہ ہے کہ اسے کتنی دیر میں وصول کیا جائے گا اور کتنی دیر میں حل کیا جائے گا۔ وقت شکایت درج ہونے کے لمحے سے شمار ہوتا ہے۔
landing-category = شکایت کی قسم
landing-ack-within = وصولی کی مدت
landing-resolve-within = حل کی مدت
landing-gender-desk = خواتین اور خواجہ سرا افراد کی شکایات، اور ہراسانی یا گھریلو تشدد کی شکایات جینڈر ڈیسک کو جاتی ہیں، جہاں خاتون افسر انہیں رازداری سے دیکھتی ہے۔
landing-track-heading = صورتحال کیسے دیکھیں
landing-track-text = اپنی رسید پر چھپا ہوا کوڈ درج کریں، مثلاً { $example }۔ چھوٹے حروف، خالی جگہ اور اردو ہندسے بھی چلیں گے۔
landing-track-link = میری شکایت کی صورتحال

hours = { $hours } گھنٹے
days = { $days } دن
working-days = { $days } کاروباری دن

track-title = اپنی شکایت کی صورتحال دیکھیں
track-label = ٹریکنگ کوڈ
track-hint = جیسا رسید پر چھپا ہے، مثلاً { $example }
track-submit = صورتحال دکھائیں
track-error-typo = اس کوڈ کا ایک حرف غلط ہے: آخری حرف باقی حروف سے میل نہیں کھاتا۔ ہر حرف کو اپنی رسید سے ملائیں؛ 0 اور O، 1 اور I ایک ہی پڑھے جاتے ہیں۔
track-error-format = یہ ٹریکنگ کوڈ نہیں ہے۔ کوڈ میں تین حروف، بارہ حروف یا ہندسے اور ایک جانچ کا حرف ہوتا ہے، مثلاً { $example }۔
track-error-unknown = اس کوڈ کی کوئی شکایت نہیں ملی۔ اسے اپنی رسید سے ملائیں؛ اگر کوڈ درست ہے تو اپنے مرکز کے کاؤنٹر پر پوچھیں۔
track-error-busy = اس کنکشن سے بہت زیادہ درخواستیں آئی ہیں۔ براہ کرم { $minutes } منٹ انتظار کریں اور پھر کوشش کریں۔
track-error-unavailable = سروس اس وقت جواب نہیں دے سکتی۔ براہ کرم چند منٹ بعد دوبارہ کوشش کریں۔

case-title = شکایت { $code }
case-status = صورتحال
case-category = شکایت کی قسم
case-filed-at = درج ہوئی
case-updated-at = آخری تبدیلی

status-filed = درج ہو گئی، وصولی کا انتظار ہے
status-acknowledged = وصول ہو گئی، کارروائی جاری ہے
status-referred = دوسرے دفتر کو بھیج دی گئی
status-resolved = حل ہو گئی
status-withdrawn = واپس لے لی گئی

promise-heading = مرکز کا وعدہ
promise-ack = وصولی کی آخری تاریخ
promise-resolve = حل کی آخری تاریخ
promise-kept = پورا ہوا
promise-missed = پورا نہیں ہوا
promise-waiting = ابھی وقت باقی ہے
promise-overdue = وقت گزر گیا
promise-closed = وقت سے پہلے واپس لے لی گئی

history-heading = اب تک کیا ہوا
history-when = کب
history-step = مرحلہ

rating-heading = آپ کی کتنی اچھی مدد کی گئی؟
rating-stars = آپ کی درجہ بندی
rating-star = { $stars } ستارے
rating-comment = تبصرہ (اختیاری)
rating-submit = درجہ بندی بھیجیں
rating-thanks = شکریہ۔ آپ کی درجہ بندی محفوظ ہو گئی۔
rating-done = آپ اس کیس کی درجہ بندی کر چکے ہیں۔ شکریہ۔
rating-refused-already = اس کیس کی درجہ بندی پہلے ہی ہو چکی ہے۔ ہر کیس کی درجہ بندی صرف ایک بار ہو سکتی ہے۔
rating-refused-not-resolved = کیس حل ہونے کے بعد ہی اس کی درجہ بندی ہو سکتی ہے۔
rating-refused-invalid = 1 سے 5 ستارے چنیں؛ تبصرہ زیادہ سے زیادہ 500 حروف کا ہو سکتا ہے۔
rating-refused-other = آپ کی درجہ بندی محفوظ نہیں ہو سکی۔ براہ کرم دوبارہ کوشش کریں۔

service-title = درخواست { $code }
service-name = خدمت
service-requested-at = درخواست دی گئی
service-fee = فیس
service-fee-amount = { $rupees } روپے
service-no-fee = کوئی فیس نہیں
service-issue-by = دستاویز کی وعدہ شدہ تاریخ
service-refusal = درخواست رد ہونے کی وجہ
service-document = جاری شدہ دستاویز نمبر
service-status-requested = درخواست درج ہو گئی
service-status-acknowledged = وصول ہو گئی، کارروائی جاری ہے
service-status-at_station = تصدیق کے لیے تھانے بھیج دی گئی
service-status-verified = تھانے سے تصدیق ہو گئی
service-status-issued = دستاویز جاری ہو گئی، وصول کریں
service-status-refused = رد کر دی گئی
service-status-collected = دستاویز وصول کر لی گئی
service-status-withdrawn = واپس لے لی گئی
service-status-revoked = دستاویز منسوخ کر دی گئی
service-status-reissued = درست شدہ دستاویز جاری ہوئی

verify-title = دستاویز کی تصدیق
verify-issued = یہ دستاویز پولیس خدمت مرکز نے جاری کی ہے اور نافذ ہے۔
verify-superseded = یہ دستاویز منسوخ ہو کر ایک درست شدہ دستاویز سے بدل دی گئی ہے۔ نئی دستاویز:
verify-revoked = یہ دستاویز منسوخ کر دی گئی ہے اور اب معتبر نہیں۔
verify-mismatch = یہ چھپی ہوئی دستاویز جاری کی گئی دستاویز سے میل نہیں کھاتی: اس کا مواد بدلا گیا ہے۔ نیچے وہ مواد ہے جو جاری ہوا تھا۔
verify-unknown = اس نمبر کی کوئی دستاویز جاری نہیں ہوئی۔ دستاویز پر چھپا نمبر دوبارہ دیکھیں۔
verify-unavailable = تصدیق اس وقت ممکن نہیں۔ براہ کرم چند منٹ بعد دوبارہ کوشش کریں۔
verify-as-issued = جاری شدہ مواد
verify-number = دستاویز نمبر
verify-markaz = جاری کرنے والا مرکز
verify-date = تاریخ اجراء
verify-holder = حامل کا نام
verify-cnic = شناختی کارڈ
verify-text = متن
verify-hash = اجراء کے واقعے کا ہیش
verify-revoked-reason = منسوخی کی وجہ
