# Handovers to probation: list, pack, meeting, probation officer's home page (Russian).
handovers-title = Передачи дел
handover-title = Передача дела { $case }
handovers-search = Номер дела
handovers-count = { $count ->
    [one] { $count } передача дела
    [few] { $count } передачи дел
    [many] { $count } передач дел
   *[other] { $count } передачи дела
}
handovers-none = Передач дел здесь нет.
handover-filter-all = Все
handover-filter-awaiting = Ожидают подтверждения
handover-filter-due = Пора отправить, не отправлены
handover-filter-overdue = Просрочены
handover-filter-sent = Отправлены
handover-filter-acknowledged = Подтверждены
handover-status-due = Пора отправить, не отправлено
handover-status-sent = Отправлено, ожидает подтверждения
handover-status-acknowledged = Подтверждено
handover-status-overdue = Просрочено
handover-release = Освобождение
handover-due = Срок
handover-officer = Сотрудник пробации
handover-sent-at = Отправлено
handover-acknowledged-at = Подтверждено
handover-acknowledged-by = Подтверждено: { $name }, { $at }
handover-meeting-at = Встреча
handover-open = Открыть передачу дела
handover-print = Печать
handover-not-sent-note = Эта передача дела ещё не отправлена: пакет документов формируется при отправке.
handover-no-officer-note = Сотрудник пробации не назначен: назначьте его в карточке участника, и передача дела будет отправлена при следующем запуске.
handover-send-now = Отправить передачу дела сейчас
handover-acknowledge = Подтвердить получение дела
handover-acknowledge-hint = Подтверждая, вы сообщаете координатору, что получили дело и принимаете его.
handover-escalated-unacknowledged = Получение не подтверждено вовремя: об этом сообщено службе пробации и координаторам учреждения.
handover-escalated-unsent = Не отправлено вовремя, потому что сотрудник пробации не назначен: об этом сообщено службе пробации и координаторам учреждения.
handover-not-in-custody = Этот участник не находится под стражей: передавать в связи с освобождением нечего.
handover-meeting-hint-past = Время в прошлом означает уже состоявшуюся встречу; приглашения не отправляются.
handover-chart-title = Оценки от 1 до 5 по сферам, с { $from } по { $to }
handover-changed = После отправки передачи дела некоторые разделы изменились. Они отмечены «Изменено после передачи»; пакет ниже — точно в том виде, в каком был отправлен.
handover-changed-tag = Изменено после передачи
handover-section-case = Человек и освобождение
handover-section-programmes = Участие в программах и посещаемость
handover-section-progress = Ход работы
handover-section-risk_reviews = Оценки рисков
handover-section-pathways = Направления плана освобождения
handover-section-open_milestones = Открытые этапы
handover-section-contacts = Контакты
handover-name = Имя
handover-release-type = Вид освобождения
handover-programme = Программа
handover-cohort = Когорта
handover-enrolment = Зачисление
handover-attendance = Посещаемость
handover-attendance-line = { $attended } из { $counted } ({ $percent }%)
handover-attendance-none = Занятий пока не было
handover-notes-recorded = { $count ->
    [one] Сделана { $count } запись о ходе работы.
    [few] Сделано { $count } записи о ходе работы.
    [many] Сделано { $count } записей о ходе работы.
   *[other] Сделано { $count } записи о ходе работы.
}
handover-domain = Сфера
handover-first = Первая оценка
handover-latest = Последняя оценка
handover-ratings = Оценки
handover-domain-engagement = Вовлечённость
handover-domain-attitudes = Установки и мышление
handover-domain-social_ties = Социальные связи и семья
handover-domain-identity = Самоидентификация и принадлежность
handover-domain-readiness = Готовность к учёбе и работе
handover-shared-notes = Записи, переданные в пробацию
handover-shared-none = Записей, переданных в пробацию, нет.
handover-contact-one_to_one = Индивидуальная встреча
handover-contact-group_follow_up = Групповая встреча по итогам
handover-contact-phone = Телефон
handover-contact-family_contact = Контакт с семьёй
handover-contact-post_release_meeting = Встреча после освобождения
handover-instrument = Методика
handover-level = Уровень
handover-assessor = Кто оценивал
handover-assessed-on = Дата оценки
handover-review-by = Пересмотреть до
handover-none = Ничего не записано.
handover-pathway = Направление
handover-responsible = Ответственный
handover-milestone = Этап
handover-agency = Агентство
handover-people = Люди
handover-agencies = Агентства с основанием для обмена данными
handover-role = Роль
handover-email = Электронная почта
handover-mailbox = Почтовый ящик
handover-meeting = Встреча по передаче дела
handover-meeting-none = Встреча пока не назначена.
handover-meeting-when = Дата и время (местное время учреждения)
handover-meeting-minutes = Продолжительность в минутах
handover-meeting-place = Место
handover-meeting-attendees = Пригласить
handover-meeting-save = Сохранить и разослать приглашения
handover-meeting-hint = Каждый приглашённый получит письмо с приглашением в календарь (.ics). При изменении встречи рассылается обновление. Время в прошлом означает уже состоявшуюся встречу, без приглашений.
handover-not-sent-yet = Эта передача дела ещё не отправлена.
handover-no-officer = Этому участнику не назначен сотрудник пробации.
handover-no-release-date = У этого участника нет даты освобождения.
handover-already-sent = Эта передача дела уже отправлена.
error-date-time = Введите дату и время, например 2027-01-15 10:30.
error-time-does-not-exist = Такого местного времени не существует (в это время переводят часы). Выберите другое время.
error-meeting-minutes = Укажите продолжительность от 15 до 480 минут.
error-attendees = Выберите хотя бы одного приглашённого.
error-attendee-not-in-team = Пригласить можно только сотрудника пробации по делу, наставников и координаторов учреждения.
officer-home-awaiting = Передачи дел, ожидающие вашего подтверждения
officer-home-awaiting-none = Ничто не ожидает вашего подтверждения.
officer-home-releases = Освобождения в ближайшие 12 недель
officer-home-releases-none = Никто из ваших подопечных не освобождается в ближайшие 12 недель.
officer-home-weeks = { $weeks ->
    [0] на этой неделе
    [one] через { $weeks } неделю
    [few] через { $weeks } недели
    [many] через { $weeks } недель
   *[other] через { $weeks } недели
}
home-handovers = Передачи дел
plan-handover = Передача дела в пробацию
plan-handover-not-yet = Срок передачи — { $date } (за { $days } дн. до освобождения).
handover-completion-rule = Правило завершения
handover-rule-met = Выполнено (посещено не менее { $minimum }%)
handover-rule-not-met = Не выполнено (нужно посетить { $minimum }%)
handover-not-rated = без оценки
