## Data protection: subject access exports and retention

sar-title = Subject access export
sar-hint = Everything Onward holds about one participant, as a printable page and as JSON. Taking an export is recorded in the audit trail.
sar-reference = Case reference (or participant number)
sar-open = Open the export
sar-not-found = No participant has this case reference or number.
sar-export-title = Subject access export: { $case }
sar-exported = Taken { $when }.
sar-times = Times are shown in { $zone }; dates as stored.
sar-anonymised = This record was anonymised under the retention rule on { $when }.
sar-download-json = Download as JSON
sar-contents = Contents
sar-rows = { $count ->
    [one] 1 row
   *[other] { $count } rows
}
sar-no-rows = Nothing held.
sar-open-export = Subject access export

retention-title = Retention
nav-retention = Retention
retention-rule = Participants closed for more than { $days } days (closed before { $when }) are anonymised: names and date of birth are replaced and free text that could name them is removed; dates, attendance, statuses and counts are kept.
retention-due = Due for anonymisation
retention-due-count = { $count ->
    [0] Nobody is due.
    [one] 1 participant is due.
   *[other] { $count } participants are due.
}
retention-closed = Closed
retention-removed = What is removed (table.column × rows)
retention-nothing = Nothing left to remove; the record is only marked.
retention-run-now = Run now
retention-runs = Runs
retention-runs-count = { $count ->
    [one] 1 run
   *[other] { $count } runs
}
retention-finished = Finished
retention-by = By
retention-anonymised = Participants anonymised
