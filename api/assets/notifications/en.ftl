# SMS to complainants who asked for English at filing. Each message must fit
# in two SMS parts with the longest tracking link configured. Messages of
# gender-desk cases use only sms-received and sms-updated: they never name
# the category, the desk or the referral, and carry no link.
sms-filed = Your complaint is registered as { $code }. Follow it at { $link }
sms-acknowledged = Your complaint { $code } is being worked on. { $link }
sms-referred-police_station = Your complaint { $code } was sent to police station { $to }. { $link }
sms-referred-magistrate = Your complaint { $code } was sent to a Magistrate under s.155 CrPC. { $link }
sms-referred-department = Your complaint { $code } was sent to the { $to } department. { $link }
sms-resolved = Your complaint { $code } was resolved. Please rate our service: { $link }
sms-reopened = Your complaint { $code } was reopened. { $link }
sms-deadline-missed = Sorry, complaint { $code } is delayed. New expected date: { $date }. { $link }
sms-received = Your request { $code } has been received.
sms-updated = Your request { $code } has been updated.
