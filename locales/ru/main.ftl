## Layout and navigation
skip-to-content = Перейти к основному содержанию
nav-label = Главное меню
nav-participants = Участники
nav-audit = Журнал аудита
logout = Выйти
back-home = На главную страницу
search = Найти
save = Сохранить
save-anyway = Сохранить мою версию
cancel = Отмена
edit = Изменить
choose = Выберите…
not-recorded = Не указано
not-assigned = Никто не назначен
restricted = Ограниченный доступ
results-count = { $count ->
    [one] { $count } результат
    [few] { $count } результата
    [many] { $count } результатов
   *[other] { $count } результата
}
page-of = Страница { $page } из { $pages }
pager-label = Страницы
pager-previous = ← Предыдущая страница
pager-next = Следующая страница →

## Login
login-title = Вход в Onward
login-email = Адрес электронной почты
login-password = Пароль
login-submit = Войти
login-wrong = Неверный адрес электронной почты или пароль. Проверьте их и попробуйте ещё раз.
login-expired = Срок действия формы входа истёк. Пожалуйста, войдите снова.
login-throttled-wait = Слишком много неудачных попыток входа в эту учётную запись с этого компьютера. Подождите { $minutes ->
    [one] { $minutes } минуту
    [few] { $minutes } минуты
    [many] { $minutes } минут
   *[other] { $minutes } минуты
} и попробуйте снова.
login-throttled-wait-seconds = Слишком много неудачных попыток входа в эту учётную запись с этого компьютера. Подождите { $seconds ->
    [one] { $seconds } секунду
    [few] { $seconds } секунды
    [many] { $seconds } секунд
   *[other] { $seconds } секунды
} и попробуйте снова.
login-throttled-address = Слишком много неудачных попыток с этого компьютера. Подождите { $minutes ->
    [one] { $minutes } минуту
    [few] { $minutes } минуты
    [many] { $minutes } минут
   *[other] { $minutes } минуты
} и попробуйте снова.

## Home
home-title = Главная
home-greeting = Здравствуйте, { $name }
home-role = Вы вошли как
home-participants = Найти участника
home-audit = Открыть журнал аудита
home-nothing-yet = Здесь появится ваша работа в Onward.

## Roles
role-admin = Администратор
role-coordinator = Координатор программы
role-mentor = Наставник
role-probation_officer = Сотрудник пробации
role-agency_user = Сотрудник агентства-партнёра
role-auditor = Аудитор по защите данных

## Participant statuses
status-in_custody = Под стражей
status-released = Освобождён
status-transferred = Переведён
status-closed = Дело закрыто

## Participants
participants-title = Участники
participants-search = Поиск по номеру дела или имени
participants-search-hint = Например, KG-2026-00042 или фамилия.
participant-new = Добавить участника
participant-edit-title = Изменить данные участника
participant-form-title = Участник
participant-details = Личные данные
participant-custody-dates = Сроки заключения
participant-people = Кто работает с этим участником
participant-conflict = Пока вы редактировали, кто-то другой сохранил данные этого участника. Ваши изменения ещё не сохранены. Ниже — сохранённая версия; ваши изменения остались в форме. Сохраните ещё раз, чтобы оставить вашу версию.
participant-conflict-current = Запись в сохранённом виде:
record-times = Добавлено { $created }. Последнее изменение { $updated } (версия { $version }).
form-has-errors = Пожалуйста, исправьте следующее:
field-case-reference = Номер дела
field-name = Имя
field-given-name = Имя
field-family-name = Фамилия
field-date-of-birth = Дата рождения
field-site = Учреждение
field-status = Статус
field-sentence-start = Начало срока
field-earliest-release-date = Самая ранняя дата освобождения
field-parole-eligibility-date = Дата права на условно-досрочное освобождение
field-licence-end-date = Окончание надзора
field-probation-officer = Сотрудник пробации
field-mentors = Наставники
field-restricted = Запись с ограниченным доступом (резонансное дело)
field-named-staff = Сотрудники, указанные в этой записи
hint-case-reference = Две или три заглавные латинские буквы, год и номер, например KG-2026-00042.
hint-multiple = Удерживайте Ctrl (или Cmd), чтобы выбрать несколько.
hint-restricted = Запись с ограниченным доступом могут открыть только указанные в ней сотрудники, независимо от их роли. При сохранении вы остаётесь в этом списке.

## Audit
audit-title = Журнал аудита
audit-actor = Кто
audit-action = Действие
audit-participant = Участник (номер или номер дела)
error-participant-or-case-reference = Введите номер участника (число) или номер дела вида KG-2026-00042.
audit-from = С даты
audit-until = По дату
audit-when = Когда
audit-entity = Что
audit-from-address = С адреса

## Field errors
error-required = Это поле обязательно.
error-date = Введите дату в формате ГГГГ-ММ-ДД, например 2026-03-31.
error-date-of-birth-future = Дата рождения должна быть в прошлом.
error-case-reference = Введите номер дела вида KG-2026-00042.
error-case-reference-unavailable = Этот номер дела нельзя использовать. Проверьте его; если он верный, обратитесь к администратору.
error-too-long-100 = Не более 100 символов.
error-control-characters = Удалите специальные (управляющие) символы.
error-status = Выберите одно из: под стражей, освобождён, переведён, дело закрыто.
error-release-before-sentence = Дата освобождения не может быть раньше начала срока.
error-parole-before-sentence = Дата права на условно-досрочное освобождение не может быть раньше начала срока.
error-licence-before-release = Окончание надзора не может быть раньше даты освобождения.
error-unknown-site = Выберите существующее учреждение.
error-own-site-only = Вы можете добавлять и вести участников только своего учреждения.
error-not-mentors = Выберите только сотрудников с ролью наставника.
error-not-probation-officer = Выберите сотрудника с ролью сотрудника пробации.
error-unknown-users = Выберите только действующих сотрудников.
error-too-many = Выбрано слишком много человек.
error-choice = Выберите из списка.
error-email = Введите адрес электронной почты вида name@example.org.
error-page = Номер страницы должен быть целым числом от 1.
error-per-page = Число записей на странице должно быть целым числом от 1 до 100.
error-number = Введите целое число.
error-if-match = If-Match должен содержать ETag прочитанной версии, например "3".
error-json-type = У этого значения неверный тип или формат.

## Problems (errors shown for a whole request)
problem-not-found = Не найдено
problem-not-found-detail = Здесь ничего нет, или у вас нет к этому доступа.
problem-method-not-allowed = Метод не разрешён
problem-method-not-allowed-detail = Этот адрес не принимает такой метод; разрешённые перечислены в заголовке Allow.
problem-unauthorized = Вход не выполнен
problem-unauthorized-detail = Передайте действующий API-токен: Authorization: Bearer <token>.
problem-forbidden = Нет доступа
problem-forbidden-detail = Ваша роль не позволяет это сделать.
problem-invalid = Нужно исправить некоторые поля
problem-invalid-detail = Ничего не сохранено. Исправьте указанные поля и попробуйте снова.
problem-conflict = Изменено другим пользователем
problem-stale-detail = Вы отправили версию { $sent }, но запись уже в версии { $current }. Ничего не сохранено: прочитайте запись заново, внесите изменение и отправьте его с новой версией.
problem-version-required = Нужна версия
problem-version-required-detail = Передайте прочитанный ETag в заголовке If-Match, чтобы не затереть чужие изменения.
problem-unavailable = Временно недоступно
problem-unavailable-detail = База данных сейчас недоступна. Ничего не потеряно; попробуйте снова через минуту.
problem-not-saved = Не сохранено
problem-not-saved-detail = Это не удалось сохранить: база данных сейчас не может ничего записать (диск заполнен или доступен только для чтения). Ничего не изменено и ничего не потеряно. Страницы, которые только показывают данные, работают, кроме тех, просмотр которых нужно записать в журнал. Попробуйте позже и сообщите администратору.
problem-internal = Что-то пошло не так
problem-internal-detail = Произошла непредвиденная ошибка. Она записана в журнал; сообщите номер запроса администратору.
problem-csrf = Срок действия формы истёк
problem-csrf-detail = Эта форма больше не действительна (возможно, она со старой страницы). Вернитесь назад, обновите страницу и попробуйте снова.
problem-media-type = Неподдерживаемый тип содержимого
problem-media-type-detail = Отправляйте JSON с заголовком Content-Type: application/json.
problem-too-large = Слишком большой запрос
problem-too-large-detail = Тело запроса больше, чем принимает Onward.
problem-bad-form = Форму не удалось прочитать
problem-bad-form-detail = Не удалось прочитать форму. Обновите страницу и попробуйте снова.

## Programme delivery
problem-clash = Двойное бронирование
problem-stale-simple = С тех пор как вы это открыли, кто-то другой внёс изменения. Ничего не сохранено; откройте заново и повторите.
clash-room = Помещение { $what } уже занято { $when } (занятие { $session }, { $cohort }).
clash-facilitator = { $what } уже ведёт занятие { $when } (занятие { $session }, { $cohort }).
clash-participant = Участник { $what } уже должен быть на занятии { $when } (занятие { $session }, { $cohort }).
clash-participant-hidden = Участник уже должен быть на занятии { $when } (занятие { $session }, { $cohort }).
error-too-long = Не более { $max } символов.
error-out-of-range = Число вне допустимого диапазона.
error-name-taken = Это название уже используется; выберите другое.
error-not-facilitator = Выберите действующего наставника или координатора.
error-unknown-programme = Выберите существующую программу.
error-session-or-cadence = Укажите либо одно занятие, либо периодичность.
error-session-cancelled = Отменённое занятие нельзя перенести.
error-local-time = Введите местные дату и время в формате ГГГГ-ММ-ДДTЧЧ:ММ, например 2026-03-16T10:00.
error-time = Введите время в формате ЧЧ:ММ, например 10:00.
error-csv-line = Эту строку не удалось прочитать; используйте формат дата,название.
error-transition = Зачисление в состоянии «{ $from }» не может перейти в «{ $to }». Возможные следующие шаги: { $allowed }.
error-unknown-participant = Выберите участника, который вам доступен.
error-unknown-cohort = Выберите когорту, которая вам доступна.
error-cohort-other-site = Когорта находится в другом учреждении, чем участник.
error-already-enrolled = Этот участник уже направлен в эту когорту или зачислен в неё.
error-status-unknown = Выберите одно из: направлен, оценён, в листе ожидания, зачислен, занимается, приостановлен, завершил, выбыл, переведён.
error-not-assessed-suitable = Зачислить можно только участника, признанного по итогам оценки подходящим.
error-completion-rule = Для завершения нужна посещаемость { $needed }%; у этого участника { $actual }%. Чтобы всё равно завершить, укажите причину исключения.
error-changed-meanwhile = Кто-то другой тем временем изменил это зачисление. Обновите страницу и попробуйте снова.
error-session-cancelled-register = У отменённого занятия нет журнала посещаемости.
error-not-on-register = Этого участника нет в журнале посещаемости занятия.
error-twice-on-register = Этот участник указан в журнале дважды.
error-mark = Выберите: присутствовал, опоздал, отсутствовал по уважительной причине, отсутствовал без уважительной причины или занятие не состоялось.
error-late-minutes = Укажите, на сколько минут опоздание (от 1 до 600).
error-not-held-reason = Укажите причину: выбор участника, уважительная причина или организационные причины.
error-register-incomplete = Отметьте всех, кто есть в журнале.

## Programme delivery pages
nav-cohorts = Когорты
programmes-title = Программы
programmes-none = Программ пока нет.
programme-new = Добавить программу
field-programme-name = Название программы
field-kind = Вид
field-description = Описание
field-session-count = Количество занятий
field-min-attendance = Посещаемость для завершения (%)
field-alert-after = Оповещать после стольких пропусков без уважительной причины подряд
kind-group = Групповые занятия
kind-one_to_one = Индивидуальное наставничество
kind-counselling = Психологическое консультирование
kind-education = Образование
kind-vocational = Профессиональное обучение
cohorts-title = Когорты
cohorts-search = Поиск по названию когорты
cohort-new = Создать когорту
cohort-create = Создать когорту и её занятия
cohort-details = Когорта
cohort-schedule = Её занятия
hint-schedule = Занятия повторяются в одно и то же местное время учреждения; праздничные дни пропускаются, количество занятий сохраняется. Оставьте дату первого занятия пустой, чтобы добавить занятия позже.
cohort-clashes = В этом расписании есть двойное бронирование:
cohort-clashes-override = Измените расписание или укажите причину, чтобы всё равно забронировать.
field-override-reason = Причина бронирования, несмотря на пересечение
field-programme = Программа
field-cohort-name = Название когорты
field-capacity = Мест
field-start-date = Дата начала
field-facilitators = Ведущие
field-first-date = Дата первого занятия
field-local-time = Время (местное для учреждения)
field-duration = Продолжительность в минутах
field-every = Как часто
every-week = Каждую неделю
every-two-weeks = Раз в две недели
field-room = Помещение
field-session-facilitator = Ведущий
field-when = Когда
field-attendance-rate = Посещаемость
field-assessment-outcome = Итог оценки
field-reason = Причина
field-participant = Участник
cohort-places = Занято { $taken } из { $capacity }
cohort-csv = Скачать историю журнала посещаемости (CSV)
sessions-title = Занятия
sessions-none = Занятий пока нет.
session-scheduled = Запланировано
session-held = Проведено
session-cancelled = Отменено
session-rescheduled = Перенесено
register-title = Журнал посещаемости
register-open = Заполнить или исправить журнал
register-heading = Журнал посещаемости: { $cohort }, { $when }
register-back = Назад к когорте
register-taken = Журнал уже заполнен; повторное сохранение исправит его.
register-late-minutes = Минут опоздания
register-not-held-reason = Если не состоялось, то почему
register-save = Сохранить журнал
register-empty = В эту когорту пока никто не зачислен.
mark-present = Присутствовал
mark-late = Опоздал
mark-excused = Отсутствовал по уважительной причине
mark-unexcused = Отсутствовал без уважительной причины
mark-did_not_happen = Не состоялось
reason-participant_choice = Выбор участника
reason-acceptable = Уважительная причина
reason-logistics = Организационные причины
enrolments-title = Зачисления
enrolments-none = Пока никто не направлен.
enrolment-last-change = Последнее изменение
enrolment-move = Следующий шаг
enrolment-to = Перевести в
enrolment-move-button = Перевести
enrolment-refer = Направить участника
enrolment-refer-button = Направить
enrolment-referred = Направлен
enrolment-assessed = Оценён
enrolment-waitlisted = В листе ожидания
enrolment-enrolled = Зачислен
enrolment-active = Занимается
enrolment-suspended = Приостановлен
enrolment-completed = Завершил
enrolment-withdrawn = Выбыл
enrolment-transferred = Переведён
outcome-suitable = Подходит
outcome-not_suitable = Не подходит
outcome-suitable_not_ready = Подходит, но пока не готов
alerts-title = Оповещения о пропусках
alert-line = { $case }: { $streak ->
    [one] { $streak } пропуск без уважительной причины подряд
    [few] { $streak } пропуска без уважительной причины подряд
    [many] { $streak } пропусков без уважительной причины подряд
   *[other] { $streak } пропуска без уважительной причины подряд
}
alert-acknowledge = Принято к сведению
home-cohorts = Когорты и журналы посещаемости
enrolment-by = Кем
enrolment-days = Дней в этом состоянии
enrolments-none-participant = Пока не направлен ни в одну программу.
programme-edit = Изменить программу
cohort-edit = Изменить когорту
cohort-status-planned = Запланирована
cohort-status-running = Идёт
cohort-status-completed = Завершена
cohort-status-cancelled = Отменена
session-title = Занятие
session-heading = Занятие: { $cohort }, { $when }
session-asked-by = по просьбе: { $who }
session-reschedule = Перенести это занятие
session-cancel = Отменить это занятие
session-new-start = Новые дата и время (местные для учреждения)
session-requested-by = Кто попросил
holidays-title = Праздничные дни
holidays-none = Ничего не указано.
holidays-date = Дата
holidays-name = Название
holidays-add = Добавить праздник
holidays-csv = Загрузить из CSV
holidays-csv-hint = Один праздник в строке: дата,название — например 2027-01-01,Новый год.
holidays-import = Загрузить
feeds-title = Календари
feeds-new = Новый адрес вашего календаря. Скопируйте его в свой календарь сейчас — он показывается только один раз:
feeds-explain = По адресу календаря Outlook, Google или другой календарь показывает занятия. Любой, у кого есть этот адрес, видит время и помещения занятий (но никогда не имена), поэтому не передавайте его никому и отзовите, если он попал к посторонним.
feeds-mine = Создать календарь моих занятий
feeds-subscribe = Календарь этой когорты
feeds-cohort = Когорта { $id }
feeds-personal = Мои занятия
feeds-revoked = отозван
feeds-revoke = Отозвать
field-completion-override = Причина завершения без соблюдения правила посещаемости (если нужно)
error-session-held = Это занятие проведено, и по нему заполнен журнал; его больше нельзя перенести или отменить.

## Exit plans, agencies and reminders
error-until-before-from = Дата окончания не может быть раньше даты начала.
error-due-both = Укажите либо дату, либо число дней от освобождения, но не то и другое.
error-due-missing = Укажите дату или число дней от освобождения.
error-days = Используйте целое число дней от 0 до 365.
error-days-none = Укажите хотя бы одно число дней до или после.
problem-plan-exists = У этого участника уже есть план освобождения; измените его.
# Also used in emails.
milestone-release = Дата освобождения
milestone-risk_review = Оценка рисков перед освобождением
milestone-case_conference = Межведомственное совещание по делу
milestone-probation_officer_allocated = Назначен сотрудник пробации
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
plan-open = План освобождения
plan-title = План освобождения: { $case }
plan-back = ← Назад к { $case }
plan-back-plan = ← План освобождения { $case }
plan-release-date = Плановая дата освобождения
plan-release-type = Вид освобождения
plan-status = Статус плана
plan-timeline = Сроки
plan-no-agency = агентство пока не назначено
plan-reminders = Напоминания
plan-no-reminders = Ни одно правило напоминаний этого не охватывает.
plan-pathways = Направления работы
plan-pathway = Направление
plan-responsible = Ответственный
plan-add-milestone = Добавить этап
plan-change = Изменить план
plan-change-hint = Этапы, заданные числом дней от освобождения, сдвигаются вместе с датой освобождения; их напоминания — тоже.
plan-none = Плана освобождения пока нет.
plan-create = Создать план освобождения
plan-template = Начать с шаблона
plan-template-hint = Добавляются этапы шаблона, к каждому — агентство нужного вида, у которого есть основание для обмена данными.
plan-template-none = Без шаблона (добавить этапы самостоятельно)
release-type-end_of_sentence = По окончании срока
release-type-parole = Условно-досрочное освобождение
release-type-conditional = Условное освобождение
release-type-licence = Освобождение под надзор
release-type-other = Другое
plan-status-active = Действует
plan-status-withdrawn = Отозван (без напоминаний)
pathway-accommodation = Жильё
pathway-attitudes_thinking_behaviour = Установки, мышление и поведение
pathway-children_families_community = Дети, семья и окружение
pathway-drugs_alcohol = Наркотики и алкоголь
pathway-education_skills_work = Образование, навыки и работа
pathway-finance_id = Финансы и документы
pathway-health = Здоровье
pathway-mentoring_disengagement = Наставничество и поддержка выхода из криминальной среды
pathway-status-not_started = Не начато
pathway-status-in_progress = В работе
pathway-status-support_required = Нужна поддержка
pathway-status-support_not_required = Поддержка не нужна
pathway-status-support_declined = От поддержки отказался
pathway-status-done = Выполнено
milestone-kind = Вид шага
milestone-title = Что нужно сделать
milestone-title-hint = Оставьте пустым, чтобы использовать название вида.
milestone-due = Срок
milestone-offset = Дней от освобождения
milestone-offset-hint = Например, -28 — за четыре недели до освобождения, 3 — через три дня после. Сдвигается вместе с датой освобождения.
milestone-date = Или конкретная дата
milestone-agency = Ответственное агентство
milestone-note = Примечание
milestone-update = Отметить ход работы
milestone-overdue = просрочено
milestone-status-planned = Запланировано
milestone-status-in_progress = В работе
milestone-status-done = Выполнено
milestone-status-missed = Пропущено
milestone-status-not_needed = Не требуется
milestones-title = Этапы
milestones-search = Номер дела или шаг
milestones-count = { $count ->
    [one] { $count } этап
    [few] { $count } этапа
    [many] { $count } этапов
   *[other] { $count } этапа
}
milestones-back = ← Все этапы
milestone-filter-open = Открытые
milestone-filter-overdue = Просроченные
milestone-filter-done = Выполненные
milestone-filter-all = Все
reminder-before = { $days ->
    [one] за { $days } день
    [few] за { $days } дня
    [many] за { $days } дней
   *[other] за { $days } дня
}
reminder-after = { $days ->
    [one] через { $days } день после срока (если не выполнено)
    [few] через { $days } дня после срока (если не выполнено)
    [many] через { $days } дней после срока (если не выполнено)
   *[other] через { $days } дня после срока (если не выполнено)
}
reminder-on-the-day = в день срока
reminder-state-planned = запланировано
reminder-state-sent = отправлено
reminder-state-not_sent = не отправлено
recipient-agency = ответственное агентство
recipient-probation_officer = сотрудник пробации
recipient-mentor = наставники
recipient-coordinator = координаторы
sharing-title = Обмен данными с агентствами-партнёрами
sharing-hint = Агентство получает письма об этом человеке, а его сотрудники видят его этапы, только пока действует основание для обмена данными.
sharing-agency = Агентство
sharing-basis = Правовое основание
sharing-from = Действует с
sharing-until = Действует по
sharing-open = бессрочно
sharing-none = Ни у одного агентства пока нет основания для обмена данными.
sharing-add = Добавить основание для обмена данными
emails-title = Письма об этом человеке
emails-none = Писем пока нет.
email-created = Решение принято
email-to = Кому
email-subject = Тема
email-sent = Отправлено
email-status-pending = Ожидает отправки
email-status-sent = Отправлено
email-status-failed = Ошибка
email-status-cancelled = Отменено (дата изменилась)
email-status-in_digest = В ежедневной сводке
outbox-restricted-subject = Об участнике с ограниченным доступом (тема скрыта)
outbox-title = Исходящие письма
outbox-tabs = Письма по статусу
outbox-count = { $count ->
    [one] { $count } письмо
    [few] { $count } письма
    [many] { $count } писем
   *[other] { $count } письма
}
outbox-attempts = Попыток
outbox-error = Последняя ошибка
outbox-retry = Повторить
outbox-back = ← Исходящие письма
jobs-title = Задания по расписанию
jobs-schedules = Расписания (UTC)
jobs-job = Задание
jobs-cron = Расписание
jobs-here = На этом экземпляре
jobs-on = выполняется
jobs-off = отключено
jobs-runs = Последние запуски
jobs-show-all = Показать все запуски
jobs-show-failed = Показать только неудачные
jobs-count = { $count ->
    [one] { $count } запуск
    [few] { $count } запуска
    [many] { $count } запусков
   *[other] { $count } запуска
}
jobs-started = Начало
jobs-instance = Экземпляр
jobs-outcome = Результат
jobs-counts = Что сделано
job-outcome-running = Выполняется
job-outcome-succeeded = Успешно
job-outcome-failed = Ошибка
job-outcome-partly_failed = Частично с ошибками
yes = Да
no = Нет
agencies-title = Агентства-партнёры
agencies-none = Агентств-партнёров пока нет.
agencies-back = ← Все агентства
agency-add = Добавить агентство
agency-name = Название
agency-kind = Вид
agency-mailbox = Общий почтовый ящик
agency-mailbox-hint = Напоминания приходят на этот адрес. Укажите общий ящик команды, а не личный адрес.
agency-language = Язык писем
agency-vetting = Проверка
agency-vetting-hint = Письма получают только проверенные агентства.
agency-secure = Защищённый канал
agency-secure-hint = Имена получает только ящик на защищённом канале; остальным сообщается только номер дела.
agency-active = Действует
agency-staff = Сотрудники с доступом
agency-staff-hint = Добавьте сотрудников агентства командой: onward user add --role agency_user --agency "name".
agency-staff-none = Учётных записей сотрудников пока нет.
agency-kind-probation = Пробация
agency-kind-housing = Жильё
agency-kind-employment = Трудоустройство
agency-kind-health = Здравоохранение
agency-kind-education = Образование
agency-kind-ngo = НКО
agency-kind-other = Другое
vetting-pending = Ожидает проверки
vetting-vetted = Проверено
vetting-lapsed = Проверка истекла
language-en = Английский
language-ru = Русский
rules-title = Правила напоминаний
rules-none = Правил напоминаний нет: напоминания не отправляются.
rules-back = ← Все правила напоминаний
rule-add = Добавить правило
rule-name = Название
rule-kinds = Какие этапы охватывает
rule-days-before = За сколько дней
rule-days-before-hint = Через запятую, например 84, 56, 28, 7, 0 (0 — в сам день).
rule-days-after = Через сколько дней после срока, пока не выполнено
rule-days-after-hint = Повторные напоминания о просрочке, например 7, 14. Оставьте пустым, если не нужны.
rule-recipients = Кому отправлять
rule-delivery = Как
rule-delivery-single = Отдельное письмо на каждое напоминание
rule-delivery-digest = Одна ежедневная сводка на человека
rule-active = Действует
prefs-title = Настройки писем
prefs-hint = Вы можете отказаться от необязательных писем. Напоминания на почтовые ящики агентств-партнёров отключить нельзя.
prefs-reminders = Копии напоминаний об этапах и освобождении
prefs-absence_alerts = Оповещения о пропусках
prefs-saved = Ваши настройки сохранены.
nav-milestones = Этапы
nav-agencies = Агентства
nav-rules = Правила напоминаний
nav-jobs = Задания
nav-outbox = Исходящие
nav-prefs = Настройки писем
reminder-state-due = пора отправить (уйдёт при следующей проверке)
problem-no-data-key = Нет ключа шифрования
problem-no-data-key-detail = Конфиденциальные записи нельзя сохранить или прочитать: не настроен ключ данных (ONWARD_DATA_KEY). Обратитесь к администратору.
error-date-future = Дата не может быть в будущем.
error-rating = Оценка от 1 до 5.
error-next-before-contact = Следующий контакт не может быть раньше этого.
error-review-before-assessment = Срок пересмотра не может быть раньше оценки.
milestone-risk_review_due = Срок пересмотра оценки рисков
prefs-language = Язык
prefs-language-hint = Страницы Onward и письма, которые он вам отправляет, будут на этом языке.
prefs-language-save = Сохранить язык
working = Выполняется… это может занять минуту. Пожалуйста, подождите.
