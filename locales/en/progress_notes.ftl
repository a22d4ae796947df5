# Progress notes pages (English). Domains and contact types are also used by the caseload.
domain-engagement = Engagement
domain-attitudes = Attitudes and thinking
domain-social_ties = Social ties and family
domain-identity = Identity and belonging
domain-readiness = Education and work readiness
contact-type-one_to_one = One-to-one meeting
contact-type-group_follow_up = Group follow-up
contact-type-phone = Phone call
contact-type-family_contact = Contact with family
contact-type-post_release_meeting = Meeting after release
participant-notes-link = Progress notes
notes-title = Progress notes: { $case }
notes-back = Back to { $case }
notes-add = Record a contact
notes-contact-date = Date of contact
notes-contact-type = Kind of contact
notes-ratings = Ratings
notes-ratings-hint = Rate each domain from 1 (serious concern) to 5 (strong), or leave it not rated.
notes-not-rated = not rated
notes-narrative = What happened
notes-narrative-hint = Stored encrypted. Read only by you, the site's coordinators and, if you tick the box below, the probation officer.
notes-next-contact = Next contact
notes-tell-probation = Probation must be told
notes-tell-probation-hint = The probation officer is emailed (without what happened) and can read this note in Onward.
notes-save = Save the note
notes-list = Notes
notes-count = { $count ->
    [one] 1 note
   *[other] { $count } notes
}
notes-none = No notes you may read yet.
notes-author = Written by
notes-shared = Shared with probation
notes-field-contact_date = Date of contact
notes-field-contact_type = Kind of contact
notes-field-ratings_engagement = Engagement
notes-field-ratings_attitudes = Attitudes and thinking
notes-field-ratings_social_ties = Social ties and family
notes-field-ratings_identity = Identity and belonging
notes-field-ratings_readiness = Education and work readiness
notes-field-narrative = What happened
notes-field-next_contact_date = Next contact
notes-saved = The note is saved.
notes-saved-told = The note is saved, and the probation officer has been emailed (without the narrative).
notes-saved-not-told = The note is saved, but the probation officer was not emailed: the case has no officer who may see this person's record. Tell the coordinator.
