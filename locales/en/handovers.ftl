# Handovers to probation: list, pack, meeting, probation officer's home page.
handovers-title = Handovers
handover-title = Handover of { $case }
handovers-search = Case reference
handovers-count = { $count ->
    [one] One handover
   *[other] { $count } handovers
}
handovers-none = No handovers here.
handover-filter-all = All
handover-filter-awaiting = Awaiting acknowledgement
handover-filter-due = Due, not sent
handover-filter-overdue = Overdue
handover-filter-sent = Sent
handover-filter-acknowledged = Acknowledged
handover-status-due = Due, not sent
handover-status-sent = Sent, awaiting acknowledgement
handover-status-acknowledged = Acknowledged
handover-status-overdue = Overdue
handover-release = Release
handover-due = Due
handover-officer = Probation officer
handover-sent-at = Sent
handover-acknowledged-at = Acknowledged
handover-acknowledged-by = Acknowledged by { $name } on { $at }
handover-meeting-at = Meeting
handover-open = Open the handover
handover-print = Print
handover-not-sent-note = This handover has not been sent yet: the pack is prepared when it is sent.
handover-no-officer-note = No probation officer is assigned: assign one on the participant's record and the handover is sent at the next run.
handover-send-now = Send the handover now
handover-acknowledge = Acknowledge the handover
handover-acknowledge-hint = Acknowledging tells the coordinator you have received the case and will take it over.
handover-escalated-note = Not acknowledged in time: the probation agency and the site's coordinators have been told.
handover-changed = Some parts have changed since the handover was sent. They are marked "Changed since handover"; the pack below is exactly as sent.
handover-changed-tag = Changed since handover
handover-section-case = The person and the release
handover-section-programmes = Programme participation and attendance
handover-section-progress = Progress
handover-section-risk_reviews = Risk reviews
handover-section-pathways = Exit plan pathways
handover-section-open_milestones = Open milestones
handover-section-contacts = Contacts
handover-name = Name
handover-release-type = Release type
handover-programme = Programme
handover-cohort = Cohort
handover-enrolment = Enrolment
handover-attendance = Attendance
handover-attendance-line = { $attended } of { $counted } ({ $percent }%)
handover-attendance-none = No sessions yet
handover-notes-recorded = { $count ->
    [one] One progress note recorded.
   *[other] { $count } progress notes recorded.
}
handover-domain = Domain
handover-first = First rating
handover-latest = Latest rating
handover-ratings = Ratings
handover-domain-engagement = Engagement
handover-domain-attitudes = Attitudes and thinking
handover-domain-social_ties = Social ties and family
handover-domain-identity = Identity and belonging
handover-domain-readiness = Education and work readiness
handover-shared-notes = Notes shared with probation
handover-shared-none = No notes have been shared with probation.
handover-contact-one_to_one = One-to-one
handover-contact-group_follow_up = Group follow-up
handover-contact-phone = Phone
handover-contact-family_contact = Family contact
handover-contact-post_release_meeting = Post-release meeting
handover-instrument = Instrument
handover-level = Level
handover-assessor = Assessor
handover-assessed-on = Assessed on
handover-review-by = Review by
handover-none = None recorded.
handover-pathway = Pathway
handover-responsible = Responsible
handover-milestone = Milestone
handover-agency = Agency
handover-people = People
handover-agencies = Agencies with a sharing basis
handover-role = Role
handover-email = Email
handover-mailbox = Mailbox
handover-meeting = Handover meeting
handover-meeting-none = No meeting recorded yet.
handover-meeting-when = Date and time (local time at the site)
handover-meeting-minutes = Length in minutes
handover-meeting-place = Place
handover-meeting-attendees = Invite
handover-meeting-save = Save and send invitations
handover-meeting-hint = Each person invited gets an email with a calendar invitation (.ics). Changing the meeting sends an update.
handover-not-sent-yet = This handover has not been sent yet.
handover-no-officer = No probation officer is assigned to this participant.
handover-no-release-date = This participant has no release date.
handover-already-sent = This handover has already been sent.
error-date-time = Enter a date and time, for example 2027-01-15 10:30.
error-time-does-not-exist = This local time does not exist (the clocks change then). Choose another time.
error-meeting-minutes = Enter a length from 15 to 480 minutes.
error-attendees = Choose at least one person to invite.
error-attendee-not-in-team = Only the case's probation officer, mentors and the site's coordinators can be invited.
officer-home-awaiting = Handovers awaiting your acknowledgement
officer-home-awaiting-none = Nothing is waiting for your acknowledgement.
officer-home-releases = Releases in the next 12 weeks
officer-home-releases-none = None of your cases is released in the next 12 weeks.
officer-home-weeks = { $weeks ->
    [0] this week
    [one] in 1 week
   *[other] in { $weeks } weeks
}
home-handovers = Handovers
plan-handover = Handover to probation
plan-handover-not-yet = Falls due on { $date } ({ $days } days before release).
