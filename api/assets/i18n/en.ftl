# English labels of the public pages. Every key here must exist in ur.ftl too
# (a unit test checks both catalogues and every key the pages use).

site-name = Police Khidmat Markaz
site-tagline = Complaints and services at your police service centre
switch-language = اردو
nav-home = Home
nav-track = Track a complaint
footer-note = These pages show no names, phone numbers or addresses. Keep your tracking code private: anyone who has it can follow your case.

landing-title = File a complaint, follow it, rate the help you got
landing-intro = At the counter of your Police Khidmat Markaz an officer files your complaint and gives you a receipt with a tracking code. With that code you can follow your case here at any time, without an account.
landing-what-heading = What you can file
landing-what-text = Each kind of complaint has a promised time to acknowledge it and a promised time to resolve it. The markaz counts from the moment your complaint is filed.
landing-category = Kind of complaint
landing-ack-within = Acknowledged within
landing-resolve-within = Resolved within
landing-gender-desk = Complaints by women and transgender persons, and complaints of harassment or violence at home, go to the gender desk, where a woman officer handles them in confidence.
landing-track-heading = How to track
landing-track-text = Enter the code printed on your receipt, for example { $example }. Small letters, spaces and Urdu digits are fine.
landing-track-link = Track my complaint

hours = { $hours ->
    [one] { $hours } hour
   *[other] { $hours } hours
}
days = { $days ->
    [one] { $days } day
   *[other] { $days } days
}
working-days = { $days ->
    [one] { $days } working day
   *[other] { $days } working days
}

track-title = Track your complaint
track-label = Tracking code
track-hint = As printed on your receipt, for example { $example }
track-submit = Show status
track-error-typo = One character of this code is wrong: its last character does not match the others. Compare each character with your receipt; 0 and O, 1 and I are read the same.
track-error-format = This is not a tracking code. A code has three letters, twelve letters or digits and one check character, for example { $example }.
track-error-unknown = No complaint has this code. Check it against your receipt; if it is right, ask at the counter of your markaz.
track-error-busy = Too many requests came from this connection. Please wait { $minutes ->
    [one] a minute
   *[other] { $minutes } minutes
} and try again.
track-error-unavailable = The service cannot answer right now. Please try again in a few minutes.

case-title = Complaint { $code }
case-status = Status
case-category = Kind of complaint
case-filed-at = Filed
case-updated-at = Last change

status-filed = Filed, waiting to be acknowledged
status-acknowledged = Acknowledged, being worked on
status-referred = Referred to another office
status-resolved = Resolved
status-withdrawn = Withdrawn

promise-heading = What the markaz promised
promise-ack = Acknowledge by
promise-resolve = Resolve by
promise-kept = Kept
promise-missed = Not kept
promise-waiting = Not yet due
promise-overdue = Overdue
promise-closed = Withdrawn before it was due

history-heading = What happened
history-when = When
history-step = Step

rating-heading = How well were you helped?
rating-stars = Your rating
rating-star = { $stars ->
    [one] 1 star
   *[other] { $stars } stars
}
rating-comment = Comment (optional)
rating-submit = Send my rating
rating-thanks = Thank you. Your rating was recorded.
rating-done = You have rated this case. Thank you.
rating-refused-already = This case has already been rated. A case can be rated only once.
rating-refused-not-resolved = A case can be rated only once it is resolved.
rating-refused-invalid = Choose from 1 to 5 stars; the comment may be at most 500 characters.
rating-refused-other = Your rating could not be recorded. Please try again.

service-title = Request { $code }
service-name = Service
service-requested-at = Requested
service-fee = Fee
service-fee-amount = { $rupees } rupees
service-no-fee = No fee
service-issue-by = Document promised by
service-refusal = Why the request was refused
service-document = Document issued, number
service-status-requested = Request taken
service-status-acknowledged = Received, being worked on
service-status-at_station = Sent to the police station to verify
service-status-verified = Verified by the police station
service-status-issued = Document issued: please collect it
service-status-refused = Refused
service-status-collected = Document collected
service-status-withdrawn = Withdrawn
service-status-revoked = Document revoked
service-status-reissued = Corrected document issued

verify-title = Verify a document
verify-issued = This document was issued by the Police Khidmat Markaz and stands.
verify-superseded = This document was replaced by a corrected one, and no longer stands. The new document:
verify-revoked = This document was revoked and no longer stands.
verify-mismatch = This printed document does not match what was issued: its content was changed. What was issued is shown below.
verify-unknown = No document with this number was issued. Check the number printed on the document.
verify-unavailable = Verification is not possible right now. Please try again in a few minutes.
verify-as-issued = Content as issued
verify-number = Document number
verify-markaz = Issuing markaz
verify-date = Date of issue
verify-holder = Holder
verify-cnic = CNIC
verify-text = Text
verify-hash = Hash of the issuing event
verify-revoked-reason = Why it was revoked
