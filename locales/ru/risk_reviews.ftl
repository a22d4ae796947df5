# Risk review pages (Russian).
participant-reviews-link = Оценки рисков
reviews-title = Оценки рисков: { $case }
reviews-hint = Результаты сертифицированных внешних методик оценки. Onward записывает их и планирует следующий пересмотр; сам он баллы не выставляет.
reviews-add = Записать оценку рисков
reviews-instrument-hint = Название сертифицированной методики, например VERA-2R.
reviews-review-by-hint = Становится этапом плана освобождения, поэтому на него приходят напоминания.
reviews-save = Сохранить оценку
reviews-list = Оценки
reviews-count = { $count ->
    [one] { $count } оценка
    [few] { $count } оценки
    [many] { $count } оценок
   *[other] { $count } оценки
}
reviews-field-instrument = Методика
reviews-field-level = Уровень
reviews-field-assessor = Кто оценивал
reviews-field-assessed_on = Дата оценки
reviews-field-review_by = Пересмотреть до
reviews-field-notes = Примечания
