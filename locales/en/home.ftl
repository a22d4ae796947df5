# Each role's home page, and the participant's timeline.
home-see-all = See all ({ $count })
home-due = due
home-sessions-today = Today's sessions
home-sessions-none-today = No sessions today.
home-sessions-week = Later this week
home-sessions-none-week = No more sessions this week.
home-registers = Registers not yet taken
home-registers-none = Every past session has its register.
home-releases = Releases in the next 12 weeks
home-releases-none = Nobody is released in the next 12 weeks.
home-overdue-milestones = Overdue milestones
home-overdue-none = No milestone is overdue.
home-alerts-none = No open absence alerts.
home-more-alerts = { $count ->
    [one] { $count } open alert in all
   *[other] { $count } open alerts in all
}
home-failed-emails = Emails that could not be delivered
home-failed-none = No failed emails.
home-more-failed = { $count ->
    [one] { $count } failed email in all
   *[other] { $count } failed emails in all
}
home-agency-overdue = Your agency's overdue milestones
home-agency-due = Due in the next 28 days
home-agency-due-none = Nothing is due in the next 28 days.
home-all-milestones = All your agency's milestones
home-runs = Recent job runs
home-runs-none = No job has run yet.
home-failed-deliveries = Failed deliveries
home-users = Users
home-user-name = Name
home-user-role = Role
home-user-active = Active
home-yes = Yes
home-no = No
home-more-users = { $count ->
    [one] { $count } user in all
   *[other] { $count } users in all
}
home-audit-search = Search the audit trail
home-subject-access = Subject access export
home-export = Export
timeline-title = Timeline
timeline-kind = Show
timeline-kind-all = Everything
timeline-kind-enrolment = Enrolments
timeline-kind-attendance = Attendance
timeline-kind-note = Progress notes
timeline-kind-milestone = Milestones
timeline-kind-email = Emails
timeline-kind-handover = Handover
timeline-filter = Filter
timeline-empty = Nothing to show.
timeline-count = { $count ->
    [one] { $count } item
   *[other] { $count } items
}
timeline-enrolment = { $cohort }: { $status }
timeline-attendance = { $cohort }, session of { $when }: { $mark }
timeline-note = Progress note: { $type }
timeline-note-by = by { $author }
timeline-milestone = Milestone due: { $title } ({ $status })
timeline-email = Email to { $to }: { $subject } ({ $status })
timeline-handover = Handover: { $status }
timeline-handover-release = release { $date }
