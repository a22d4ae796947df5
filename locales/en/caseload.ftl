# The mentor's caseload (English).
caseload-title = My caseload
caseload-search = Case reference
caseload-count = { $count ->
    [one] 1 participant
   *[other] { $count } participants
}
caseload-empty = Nobody is assigned to you yet.
caseload-none-found = No participant of your caseload matches.
caseload-contacts = Contacts
caseload-last-contact = Last contact
caseload-next-contact = Next contact
caseload-no-contact = none yet
caseload-overdue = Overdue
caseload-overdue-next_contact_passed = the next contact date has passed
caseload-overdue-no_recent_contact = no contact for 4 weeks or more
caseload-overdue-never_contacted = no contact recorded yet
caseload-alerts = Absence alerts
caseload-alerts-count = { $count ->
    [0] no open alerts
    [one] 1 open alert
   *[other] { $count } open alerts
}
caseload-release = Release
caseload-release-soon = within 12 weeks
caseload-ratings = Ratings over time
caseload-latest = Latest ratings:
caseload-no-ratings = No ratings yet.
caseload-notes-link = Progress notes
caseload-chart-title = { $count ->
    [one] Ratings of { $case } at the last contact
   *[other] Ratings of { $case } over the last { $count } contacts
}, 1 (concern) to 5 (strong). Latest: { $latest }.
