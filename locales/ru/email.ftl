# Russian names of dated steps, as emails name them. The rest of the Russian interface comes with
# the languages issue; until then pages fall back to English.
milestone-release = Дата освобождения
milestone-risk_review = Оценка рисков перед освобождением
milestone-case_conference = Межведомственное совещание по делу
milestone-probation_officer_allocated = Назначен инспектор пробации
milestone-handover_meeting = Встреча по передаче дела
milestone-accommodation_confirmed = Жильё подтверждено
milestone-id_documents = Документы, удостоверяющие личность
milestone-bank_account = Банковский счёт
milestone-benefits = Социальные пособия
milestone-work_or_training = Место работы или обучения
milestone-health_handover = Передача медицинского сопровождения
milestone-mentor_first_contact = Первая встреча с наставником после освобождения
milestone-first_probation_appointment = Первая явка в пробацию
milestone-licence_conditions = Условия надзора
milestone-release_day_plan = План на день освобождения
milestone-custom = Другой шаг
milestone-risk_review_due = Срок пересмотра оценки рисков
