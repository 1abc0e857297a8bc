# SMS to complainants, in Urdu (the default). Each message must fit in two
# SMS parts of UCS-2 (134 units) with a tracking link of up to 64 characters
# (a public URL of up to 37) and a unit name cut to 16 characters;
# codes, dates and links stay in ASCII. Messages of gender-desk cases use
# only sms-received and sms-updated: they never name the category, the desk
# or the referral, and carry no link (the tracking page names the category).
sms-filed = شکایت درج ہو گئی۔ نمبر { $code } کیفیت: { $link }
sms-acknowledged = شکایت { $code } پر کارروائی شروع ہو گئی۔ { $link }
sms-referred-police_station = شکایت { $code } تھانہ { $to } بھیج دی گئی۔ { $link }
sms-referred-magistrate = شکایت { $code } دفعہ 155 ض ف کے تحت مجسٹریٹ کو بھیجی گئی۔ { $link }
sms-referred-department = شکایت { $code } محکمہ { $to } بھیج دی گئی۔ { $link }
sms-resolved = شکایت { $code } نمٹا دی گئی۔ درجہ بندی کریں: { $link }
sms-reopened = شکایت { $code } دوبارہ کھول دی گئی۔ { $link }
sms-deadline-missed = معذرت، شکایت { $code } میں تاخیر۔ نئی تاریخ { $date }۔ { $link }
sms-received = آپ کی درخواست { $code } موصول ہو گئی ہے۔
sms-updated = آپ کی درخواست { $code } پر پیش رفت ہوئی ہے۔
