export type Lang = 'en' | 'ru';
export const LANGUAGES: readonly Lang[] = ['en', 'ru'];

/** A string that depends on a number: the form is chosen by Intl.PluralRules (Russian has one, few and many). */
type Plural = { one: string; few?: string; many?: string; other: string };
type Message = string | Plural;

const en = {
  interactions: 'Interactions',
  accounts: 'Accounts',
  searchPlaceholder: 'Search the journal…',
  searchLabel: 'Full-text search',
  syncNow: 'Sync now',
  syncing: 'Syncing…',
  noAccounts: 'No accounts yet. Add one with “interlog account add”.',
  neverSynced: 'Not synced yet',
  syncedAt: 'Synced {time}',
  retrying: 'Connection trouble, retrying: {reason}',
  progress: '{folder}: {done} of {total}',
  syncDone: { one: 'Sync finished: {n} new letter', other: 'Sync finished: {n} new letters' },
  syncFailed: 'Sync failed: {message}',
  count: { one: '{n} interaction', other: '{n} interactions' },
  found: { one: '{n} found', other: '{n} found' },
  columnDate: 'Date',
  columnKind: 'Kind',
  columnDirection: 'Direction',
  columnCorrespondent: 'Correspondent',
  columnTitle: 'Title',
  columnAttachments: 'Attachments',
  sortNewest: 'Newest first',
  sortOldest: 'Oldest first',
  kindEmail: 'E-mail',
  kindCall: 'Call',
  kindSms: 'SMS',
  kindMeeting: 'Meeting',
  kindPlanned: 'Planned',
  incoming: 'Incoming',
  outgoing: 'Outgoing',
  nothingSelected: 'Select an interaction to read it.',
  from: 'From',
  to: 'To',
  cc: 'Cc',
  date: 'Date',
  folders: 'Folders',
  subject: 'Subject',
  attachments: 'Attachments',
  imagesBlocked: {
    one: '{n} remote image is blocked to protect your privacy.',
    other: '{n} remote images are blocked to protect your privacy.',
  },
  showImages: 'Show images',
  viewFormatted: 'Formatted',
  viewText: 'Plain text',
  loading: 'Loading…',
  noResults: 'Nothing found.',
  emptyJournal: 'The journal is empty: sync an account to fill it.',
  language: 'Language',
  noTitle: '(no title)',
  letterFrame: 'Letter',
  unknownSender: '(unknown)',
  parseError: 'Part of this letter could not be read: {message}',
} satisfies Record<string, Message>;

export type MessageKey = keyof typeof en;

const ru: Record<MessageKey, Message> = {
  interactions: 'Взаимодействия',
  accounts: 'Учётные записи',
  searchPlaceholder: 'Поиск по журналу…',
  searchLabel: 'Полнотекстовый поиск',
  syncNow: 'Получить почту',
  syncing: 'Получение почты…',
  noAccounts: 'Учётных записей пока нет. Добавьте: «interlog account add».',
  neverSynced: 'Ещё не синхронизирована',
  syncedAt: 'Синхронизирована {time}',
  retrying: 'Сбой связи, повтор: {reason}',
  progress: '{folder}: {done} из {total}',
  syncDone: {
    one: 'Почта получена: {n} новое письмо',
    few: 'Почта получена: {n} новых письма',
    many: 'Почта получена: {n} новых писем',
    other: 'Почта получена: {n} новых письма',
  },
  syncFailed: 'Не удалось получить почту: {message}',
  count: {
    one: '{n} взаимодействие',
    few: '{n} взаимодействия',
    many: '{n} взаимодействий',
    other: '{n} взаимодействия',
  },
  found: { one: 'Найдено: {n}', other: 'Найдено: {n}' },
  columnDate: 'Дата',
  columnKind: 'Вид',
  columnDirection: 'Направление',
  columnCorrespondent: 'Контакт',
  columnTitle: 'Тема',
  columnAttachments: 'Вложения',
  sortNewest: 'Сначала новые',
  sortOldest: 'Сначала старые',
  kindEmail: 'Электронное письмо',
  kindCall: 'Телефонный звонок',
  kindSms: 'SMS',
  kindMeeting: 'Встреча',
  kindPlanned: 'Запланированное',
  incoming: 'Входящее',
  outgoing: 'Исходящее',
  nothingSelected: 'Выберите взаимодействие, чтобы прочитать его.',
  from: 'От',
  to: 'Кому',
  cc: 'Копия',
  date: 'Дата',
  folders: 'Папки',
  subject: 'Предмет',
  attachments: 'Вложения',
  imagesBlocked: {
    one: 'Заблокировано {n} внешнее изображение — для защиты конфиденциальности.',
    few: 'Заблокировано {n} внешних изображения — для защиты конфиденциальности.',
    many: 'Заблокировано {n} внешних изображений — для защиты конфиденциальности.',
    other: 'Заблокировано {n} внешних изображения — для защиты конфиденциальности.',
  },
  showImages: 'Показать изображения',
  viewFormatted: 'Оформление',
  viewText: 'Текст',
  loading: 'Загрузка…',
  noResults: 'Ничего не найдено.',
  emptyJournal: 'Журнал пуст: синхронизируйте учётную запись, чтобы заполнить его.',
  language: 'Язык',
  noTitle: '(без темы)',
  letterFrame: 'Письмо',
  unknownSender: '(неизвестно)',
  parseError: 'Часть письма не удалось прочитать: {message}',
};

const catalogs: Record<Lang, Record<MessageKey, Message>> = { en, ru };

/** The first of the browser's preferred languages that Interlog speaks; English otherwise. */
export function detectLanguage(preferred: readonly string[] = navigator.languages): Lang {
  for (const tag of preferred) {
    const base = tag.toLowerCase().split('-')[0];
    if (base === 'ru' || base === 'en') return base;
  }
  return 'en';
}

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

export function translator(lang: Lang): Translate {
  const plurals = new Intl.PluralRules(lang);
  return (key, params = {}) => {
    const message = catalogs[lang][key];
    const template =
      typeof message === 'string'
        ? message
        : (message[plurals.select(Number(params.n ?? 0)) as keyof Plural] ?? message.other);
    return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
      params[name] === undefined ? whole : String(params[name]),
    );
  };
}
