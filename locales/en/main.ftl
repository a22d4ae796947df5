## Layout and navigation
skip-to-content = Skip to main content
nav-label = Main menu
nav-participants = Participants
nav-audit = Audit trail
logout = Log out
back-home = Back to the home page
search = Search
save = Save
save-anyway = Save my version
cancel = Cancel
edit = Edit
choose = Choose…
not-recorded = Not recorded
not-assigned = Nobody assigned
restricted = Restricted
results-count = { $count ->
    [one] 1 result
   *[other] { $count } results
}
page-of = Page { $page } of { $pages }
pager-label = Pages
pager-previous = ← Previous page
pager-next = Next page →

## Login
login-title = Log in to Onward
login-email = Email address
login-password = Password
login-submit = Log in
login-wrong = The email address or password is not right. Check them and try again.
login-expired = The login form had expired. Please log in again.
login-throttled-account = Too many failed attempts for this account. For safety, wait { $minutes } minutes and try again, or ask an administrator.
login-throttled-address = Too many failed attempts from this computer. Wait { $minutes } minutes and try again.

## Home
home-title = Home
home-greeting = Hello, { $name }
home-role = You are signed in as
home-participants = Find a participant
home-audit = Browse the audit trail
home-nothing-yet = Your work in Onward will appear here.

## Roles
role-admin = Administrator
role-coordinator = Programme coordinator
role-mentor = Mentor
role-probation_officer = Probation officer
role-agency_user = Partner agency staff
role-auditor = Data-protection auditor

## Participant statuses
status-in_custody = In custody
status-released = Released
status-transferred = Transferred
status-closed = Closed

## Participants
participants-title = Participants
participants-search = Search by case reference or name
participants-search-hint = For example KG-2026-00042 or a family name.
participant-new = Add a participant
participant-edit-title = Edit participant
participant-form-title = Participant
participant-details = Personal details
participant-custody-dates = Custody dates
participant-people = People working with this participant
participant-conflict = Someone else saved this participant while you were editing. Nothing of yours was saved yet. Check their version below; your changes are still in the form. Save again to keep your version.
participant-conflict-current = The record as it is saved now:
record-times = Added { $created }. Last changed { $updated } (version { $version }).
form-has-errors = Please correct the following:
field-case-reference = Case reference
field-name = Name
field-given-name = Given name
field-family-name = Family name
field-date-of-birth = Date of birth
field-site = Site
field-status = Status
field-sentence-start = Sentence start
field-earliest-release-date = Earliest release date
field-parole-eligibility-date = Parole eligibility date
field-licence-end-date = Licence or supervision end
field-probation-officer = Probation officer
field-mentors = Mentors
field-restricted = Restricted (high-profile) record
field-named-staff = Staff named on this record
hint-case-reference = Two or three capital letters, the year and a number, such as KG-2026-00042.
hint-multiple = Hold Ctrl (or Cmd) to choose more than one.
hint-restricted = A restricted record can be opened only by the staff named on it, whatever their role. You stay named when you save.

## Audit
audit-title = Audit trail
audit-actor = Who
audit-action = Action
audit-participant = Participant id
audit-from = From date
audit-until = Until date
audit-when = When
audit-entity = What
audit-from-address = From address

## Field errors
error-required = This field is required.
error-date = Enter a date as YYYY-MM-DD, for example 2026-03-31.
error-date-of-birth-future = The date of birth must be in the past.
error-case-reference = Enter a case reference like KG-2026-00042.
error-case-reference-taken = Another participant already has this case reference.
error-too-long-100 = Use at most 100 characters.
error-control-characters = Remove the special (control) characters.
error-status = Choose one of: in custody, released, transferred, closed.
error-release-before-sentence = The release date cannot be before the sentence start.
error-parole-before-sentence = The parole eligibility date cannot be before the sentence start.
error-licence-before-release = The licence end cannot be before the release date.
error-unknown-site = Choose a site that exists.
error-own-site-only = You can only add or keep participants at your own site.
error-not-mentors = Choose only people with the mentor role.
error-not-probation-officer = Choose a person with the probation officer role.
error-unknown-users = Choose only active staff.
error-too-many = Too many people chosen.
error-choice = Choose from the list.
error-email = Enter an email address like name@example.org.
error-page = The page must be a whole number from 1.
error-per-page = Items per page must be a whole number from 1 to 100.
error-number = Enter a whole number.
error-if-match = If-Match must be the ETag of the version you read, such as "3".
error-json-type = This value has the wrong type or shape.

## Problems (errors shown for a whole request)
problem-not-found = Not found
problem-not-found-detail = There is nothing here, or you do not have access to it.
problem-unauthorized = Not signed in
problem-unauthorized-detail = Send a valid API token: Authorization: Bearer <token>.
problem-forbidden = Not allowed
problem-forbidden-detail = Your role does not allow this.
problem-invalid = Some fields need correcting
problem-invalid-detail = Nothing was saved. Correct the fields listed and try again.
problem-conflict = Changed by someone else
problem-stale-detail = You sent version { $sent } but the record is now at version { $current }. Nothing was saved: read it again, apply your change and send it with the new version.
problem-version-required = Version required
problem-version-required-detail = Send the ETag you read in an If-Match header, so that nobody's changes are overwritten.
problem-unavailable = Temporarily unavailable
problem-unavailable-detail = The database cannot be reached just now. Nothing was lost; please try again in a minute.
problem-internal = Something went wrong
problem-internal-detail = An unexpected error happened. It has been logged; give the request id to your administrator.
problem-csrf = Form expired
problem-csrf-detail = This form is no longer valid (it may be from an old page). Go back, reload the page and try again.
problem-media-type = Unsupported content type
problem-media-type-detail = Send JSON with Content-Type: application/json.
problem-too-large = Too large
problem-too-large-detail = The request body is larger than Onward accepts.
problem-bad-form = Unreadable form
problem-bad-form-detail = The form could not be read. Reload the page and try again.

## Programme delivery
problem-clash = Double booking
problem-stale-simple = Someone else changed this since you read it. Nothing was saved; read it again and retry.
clash-room = Room { $what } is already booked at { $when } (session { $session }, { $cohort }).
clash-facilitator = { $what } is already facilitating at { $when } (session { $session }, { $cohort }).
clash-participant = Participant { $what } is already expected at { $when } (session { $session }, { $cohort }).
error-too-long = This is too long.
error-out-of-range = This number is outside the allowed range.
error-name-taken = Another programme already has this name.
error-not-facilitator = Choose an active mentor or coordinator.
error-unknown-programme = Choose a programme that exists.
error-session-or-cadence = Send either one session or a cadence.
error-session-cancelled = A cancelled session cannot be moved.
error-local-time = Enter a local date and time as YYYY-MM-DDTHH:MM, for example 2026-03-16T10:00.
error-time = Enter a time as HH:MM, for example 10:00.
error-csv-line = This line could not be read; use date,name.
error-transition = An enrolment that is { $from } cannot become { $to }. Allowed next: { $allowed }.
error-unknown-participant = Choose a participant you can see.
error-unknown-cohort = Choose a cohort you can see.
error-cohort-other-site = The cohort is at another site than the participant.
error-already-enrolled = This participant is already referred to or enrolled in this cohort.
error-status-unknown = Choose one of: referred, assessed, waitlisted, enrolled, active, suspended, completed, withdrawn, transferred.
error-not-assessed-suitable = Only a participant assessed as suitable can be enrolled.
error-completion-rule = The completion rule needs { $needed }% attendance; this participant has { $actual }%. Give an override reason to complete anyway.
error-changed-meanwhile = Someone else changed this enrolment meanwhile. Reload and try again.
error-session-cancelled-register = A cancelled session has no register.
error-not-on-register = This participant is not on the session's register.
error-twice-on-register = This participant is on the register twice.
error-mark = Choose present, late, excused, unexcused or did not happen.
error-late-minutes = Say how many minutes late (1 to 600).
error-not-held-reason = Say why: the participant's choice, acceptable, or logistics.
error-register-incomplete = Mark everyone on the register.
