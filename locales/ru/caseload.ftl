# The mentor's caseload (Russian).
caseload-title = Мои подопечные
caseload-search = Номер дела
caseload-count = { $count ->
    [one] { $count } участник
    [few] { $count } участника
    [many] { $count } участников
   *[other] { $count } участника
}
caseload-empty = За вами пока никто не закреплён.
caseload-none-found = Среди ваших подопечных нет подходящих участников.
caseload-contacts = Контакты
caseload-last-contact = Последний контакт
caseload-next-contact = Следующий контакт
caseload-no-contact = пока не было
caseload-overdue = Просрочено
caseload-overdue-next_contact_passed = дата следующего контакта прошла
caseload-overdue-no_recent_contact = нет контакта 4 недели или дольше
caseload-overdue-never_contacted = контактов пока не записано
caseload-alerts = Оповещения о пропусках
caseload-alerts-count = { $count ->
    [0] открытых оповещений нет
    [one] { $count } открытое оповещение
    [few] { $count } открытых оповещения
    [many] { $count } открытых оповещений
   *[other] { $count } открытого оповещения
}
caseload-release = Освобождение
caseload-release-soon = в ближайшие 12 недель
caseload-ratings = Оценки в динамике
caseload-latest = Последние оценки:
caseload-no-ratings = Оценок пока нет.
caseload-notes-link = Записи о ходе работы
caseload-chart-title = { $count ->
    [one] Оценки { $case } за { $count } последний контакт
    [few] Оценки { $case } за { $count } последних контакта
    [many] Оценки { $case } за { $count } последних контактов
   *[other] Оценки { $case } за { $count } последних контакта
}, от 1 (есть опасения) до 5 (сильная сторона). Последние: { $latest }.
