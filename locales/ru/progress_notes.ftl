# Progress notes pages (Russian). Domains and contact types are also used by the caseload.
domain-engagement = Вовлечённость
domain-attitudes = Установки и мышление
domain-social_ties = Социальные связи и семья
domain-identity = Самоидентификация и принадлежность
domain-readiness = Готовность к учёбе и работе
contact-type-one_to_one = Индивидуальная встреча
contact-type-group_follow_up = Групповая встреча по итогам
contact-type-phone = Телефонный звонок
contact-type-family_contact = Контакт с семьёй
contact-type-post_release_meeting = Встреча после освобождения
participant-notes-link = Записи о ходе работы
notes-title = Записи о ходе работы: { $case }
notes-back = Назад к { $case }
notes-add = Записать контакт
notes-contact-date = Дата контакта
notes-contact-type = Вид контакта
notes-ratings = Оценки
notes-ratings-hint = Оцените каждую сферу от 1 (серьёзные опасения) до 5 (сильная сторона) или оставьте без оценки.
notes-not-rated = без оценки
notes-narrative = Что произошло
notes-narrative-hint = Хранится в зашифрованном виде. Читать могут только вы, координаторы учреждения и, если вы отметите поле ниже, сотрудник пробации.
notes-next-contact = Следующий контакт
notes-tell-probation = Нужно сообщить в пробацию
notes-tell-probation-hint = Сотрудник пробации получит письмо (без описания того, что произошло) и сможет прочитать эту запись в Onward.
notes-save = Сохранить запись
notes-list = Записи
notes-count = { $count ->
    [one] { $count } запись
    [few] { $count } записи
    [many] { $count } записей
   *[other] { $count } записи
}
notes-none = Записей, доступных вам, пока нет.
notes-author = Автор
notes-shared = Передано в пробацию
notes-field-contact_date = Дата контакта
notes-field-contact_type = Вид контакта
notes-field-ratings_engagement = Вовлечённость
notes-field-ratings_attitudes = Установки и мышление
notes-field-ratings_social_ties = Социальные связи и семья
notes-field-ratings_identity = Самоидентификация и принадлежность
notes-field-ratings_readiness = Готовность к учёбе и работе
notes-field-narrative = Что произошло
notes-field-next_contact_date = Следующий контакт
notes-saved = Запись сохранена.
notes-saved-told = Запись сохранена, сотруднику пробации отправлено письмо (без текста записи).
notes-saved-not-told = Запись сохранена, но письмо сотруднику пробации не отправлено: у дела нет сотрудника пробации, которому доступна карточка этого человека. Сообщите координатору.
