# Risk review pages (English).
participant-reviews-link = Risk reviews
reviews-title = Risk reviews: { $case }
reviews-hint = Outcomes of certified external assessment instruments. Onward records them and schedules the next review; it does not score.
reviews-add = Record a risk review
reviews-instrument-hint = The certified instrument's name, for example VERA-2R.
reviews-review-by-hint = Becomes a milestone of the exit plan, so reminders cover it.
reviews-save = Save the review
reviews-list = Reviews
reviews-count = { $count ->
    [one] 1 review
   *[other] { $count } reviews
}
reviews-field-instrument = Instrument
reviews-field-level = Level
reviews-field-assessor = Assessor
reviews-field-assessed_on = Assessed on
reviews-field-review_by = Review by
reviews-field-notes = Notes
