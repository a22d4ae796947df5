# Отчёты для руководителей (русский).
nav-reports = Отчёты
reports-title = Отчёты
reports-hint = Сводные данные по учреждению за период, без имён. Даты указаны по местному времени учреждения; если даты не заданы — за последние 90 дней.
reports-invalid = Не удалось показать отчёты. Исправьте указанные поля и попробуйте снова.
reports-field-site_id = Учреждение
reports-field-from = С
reports-field-to = По
reports-all-sites = Все учреждения
reports-show = Показать отчёты
reports-showing = Показано:
reports-scope = { $site }, { $from } – { $to }
reports-error-range = Дата окончания не может быть раньше даты начала.
reports-csv = Скачать в формате CSV
reports-total = Всего
reports-no-rate = пока нет данных
reports-no-agency = Ведомство не указано
reports-on-time = В срок
reports-late = С опозданием
reports-not-yet = Ещё не подтверждено
reports-enrolments-title = Зачисления по статусам
reports-enrolments-hint = Зачисления, созданные (направления) за период, по их текущему статусу.
reports-completion-title = Доля завершивших
reports-completion-hint = Зачисления, закрытые за период: завершившие программу из числа завершивших, отчисленных и переведённых.
reports-attendance-title = Посещаемость по программам и группам
reports-attendance-hint = Занятия, начавшиеся в течение периода: присутствовал или опоздал из всех учитываемых отметок (занятия, не состоявшиеся по уважительным или организационным причинам, не учитываются).
reports-attendance-none = За период посещаемость занятий не отмечалась.
reports-milestones-title = Этапы, выполненные в срок, по ведомствам
reports-milestones-hint = Выполненные этапы со сроком в пределах периода. В срок: последнее изменение не позже срока (Onward не хранит отдельно день, когда этап отмечен выполненным, поэтому этап, изменённый после срока, считается выполненным с опозданием).
reports-milestones-none = За период нет выполненных этапов со сроком.
reports-handovers-title = Передачи дел, подтверждённые в срок
reports-handovers-hint = Передачи дел, отправленные за период. В срок: подтверждено в течение { $days ->
    [one] { $days } дня
    [few] { $days } дней
    [many] { $days } дней
   *[other] { $days } дней
} после отправки, до эскалации.
reports-col-status = Статус
reports-col-enrolments = Зачисления
reports-col-ended = Закрыто
reports-col-completion = Доля завершивших
reports-col-programme = Программа
reports-col-cohort = Группа
reports-col-site = Учреждение
reports-col-attended = Посетил
reports-col-counted = Учтено
reports-col-rate = Посещаемость
reports-col-agency = Ведомство
reports-col-done = Выполнено
reports-col-sent = Отправлено
reports-status-referred = Направлен
reports-status-assessed = Оценён
reports-status-waitlisted = В листе ожидания
reports-status-enrolled = Зачислен
reports-status-active = Участвует
reports-status-suspended = Приостановлено
reports-status-completed = Завершил
reports-status-withdrawn = Отчислен
reports-status-transferred = Переведён
