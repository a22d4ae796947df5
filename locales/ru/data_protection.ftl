## Data protection: subject access exports and retention

sar-title = Выгрузка по запросу субъекта данных
sar-hint = Всё, что Onward хранит об одном участнике, в виде страницы для печати и в формате JSON. Каждая выгрузка записывается в журнал аудита.
sar-reference = Номер дела (или номер участника)
sar-open = Открыть выгрузку
sar-not-found = Нет участника с таким номером дела или номером.
sar-export-title = Выгрузка по запросу субъекта данных: { $case }
sar-exported = Сформирована { $when }.
sar-times = Время указано в часовом поясе { $zone }; даты — как хранятся.
sar-anonymised = Эта запись обезличена по правилу хранения { $when }.
sar-download-json = Скачать в формате JSON
sar-contents = Содержание
sar-rows = { $count ->
    [one] { $count } строка
    [few] { $count } строки
    [many] { $count } строк
   *[other] { $count } строки
}
sar-no-rows = Ничего не хранится.
sar-open-export = Выгрузка по запросу субъекта данных

retention-title = Сроки хранения
nav-retention = Сроки хранения
retention-rule = Участники, дела которых закрыты более { $days } дн. назад (закрыты до { $when }), обезличиваются: имена и дата рождения заменяются, а свободный текст, по которому их можно узнать, удаляется; даты, посещаемость, статусы и количества сохраняются.
retention-due = Подлежат обезличиванию
retention-due-count = { $count ->
    [0] Никто не подлежит обезличиванию.
    [one] { $count } участник подлежит обезличиванию.
    [few] { $count } участника подлежат обезличиванию.
    [many] { $count } участников подлежат обезличиванию.
   *[other] { $count } участника подлежат обезличиванию.
}
retention-closed = Дело закрыто
retention-removed = Что удаляется (таблица.столбец × строки)
retention-nothing = Удалять больше нечего; запись только помечается.
retention-run-now = Запустить сейчас
retention-runs = Запуски
retention-runs-count = { $count ->
    [one] { $count } запуск
    [few] { $count } запуска
    [many] { $count } запусков
   *[other] { $count } запуска
}
retention-finished = Завершён
retention-by = Кем
retention-anonymised = Обезличено участников
