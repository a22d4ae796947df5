# Домашняя страница каждой роли и хронология участника.
home-see-all = Показать все ({ $count })
home-due = срок
home-sessions-today = Занятия сегодня
home-sessions-none-today = Сегодня занятий нет.
home-sessions-week = Позже на этой неделе
home-sessions-none-week = На этой неделе больше занятий нет.
home-registers = Не отмеченные журналы посещаемости
home-registers-none = Журналы всех прошедших занятий отмечены.
home-releases = Освобождения в ближайшие 12 недель
home-releases-none = В ближайшие 12 недель никто не освобождается.
home-overdue-milestones = Просроченные этапы
home-overdue-none = Просроченных этапов нет.
home-alerts-none = Открытых предупреждений о пропусках нет.
home-more-alerts = { $count ->
    [one] Всего { $count } открытое предупреждение
    [few] Всего { $count } открытых предупреждения
    [many] Всего { $count } открытых предупреждений
   *[other] Всего { $count } открытых предупреждений
}
home-failed-emails = Письма, которые не удалось доставить
home-failed-none = Недоставленных писем нет.
home-more-failed = { $count ->
    [one] Всего { $count } недоставленное письмо
    [few] Всего { $count } недоставленных письма
    [many] Всего { $count } недоставленных писем
   *[other] Всего { $count } недоставленных писем
}
home-agency-overdue = Просроченные этапы вашей организации
home-agency-due = Срок в ближайшие 28 дней
home-agency-due-none = В ближайшие 28 дней сроков нет.
home-all-milestones = Все этапы вашей организации
home-runs = Последние запуски заданий
home-runs-none = Задания ещё не запускались.
home-failed-deliveries = Недоставленные письма
home-users = Пользователи
home-user-name = Имя
home-user-role = Роль
home-user-active = Активен
home-yes = Да
home-no = Нет
home-more-users = { $count ->
    [one] Всего { $count } пользователь
    [few] Всего { $count } пользователя
    [many] Всего { $count } пользователей
   *[other] Всего { $count } пользователей
}
home-audit-search = Поиск в журнале аудита
home-subject-access = Выгрузка по запросу субъекта данных
home-export = Выгрузить
timeline-title = Хронология
timeline-kind = Показать
timeline-kind-all = Всё
timeline-kind-enrolment = Зачисления
timeline-kind-attendance = Посещаемость
timeline-kind-note = Записи о работе
timeline-kind-milestone = Этапы
timeline-kind-email = Письма
timeline-kind-handover = Передача дела
timeline-filter = Отфильтровать
timeline-empty = Показывать нечего.
timeline-count = { $count ->
    [one] { $count } запись
    [few] { $count } записи
    [many] { $count } записей
   *[other] { $count } записей
}
timeline-enrolment = { $cohort }: { $status }
timeline-attendance = { $cohort }, занятие { $when }: { $mark }
timeline-note = Запись о работе: { $type }
timeline-note-by = автор: { $author }
timeline-milestone = Срок этапа: { $title } ({ $status })
timeline-email = Письмо для { $to }: { $subject } ({ $status })
timeline-handover = Передача дела: { $status }
timeline-handover-release = освобождение { $date }
