// Russian and English business correspondence: people, companies, subjects and body text from templates.
import type { Rng } from './prng.js';

export type Language = 'ru' | 'en';

export interface Company {
  name: string;
  domain: string;
}

export interface Person {
  name: string;
  email: string;
  title: string;
  company: Company;
  phone: string;
  /** UTC offset of the person's Date headers, in minutes. */
  utcOffset: number;
}

const COMPANIES: Company[] = [
  { name: 'ООО "Ромашка"', domain: 'romashka.ru' },
  { name: 'АО "СтройИнвест"', domain: 'stroyinvest.ru' },
  { name: 'ООО "ТехноСервис"', domain: 'technoservice.ru' },
  { name: 'ООО "ЛогистикПлюс"', domain: 'logistikplus.ru' },
  { name: 'ЗАО "Северный ветер"', domain: 'sevveter.ru' },
  { name: 'ООО "Альфа-Трейд"', domain: 'alfa-trade.ru' },
  { name: 'ПАО "Уральский металлург"', domain: 'uralmet.ru' },
  { name: 'ООО "ПромКабель"', domain: 'promkabel.ru' },
  { name: 'ООО "Бумажный двор"', domain: 'bumdvor.ru' },
  { name: 'Nordic Supply AB', domain: 'nordicsupply.se' },
  { name: 'Baltic Freight GmbH', domain: 'balticfreight.de' },
  { name: 'ИП Кузнецов А. В.', domain: 'mail.ru' },
  { name: 'ИП Орлова Е. С.', domain: 'yandex.ru' },
  { name: 'ООО "Вектор"', domain: 'gmail.com' },
];

// [Cyrillic, Latin] pairs: the Latin form becomes the mailbox name
const FIRST_MALE: Array<[string, string]> = [
  ['Алексей', 'aleksey'],
  ['Дмитрий', 'dmitry'],
  ['Сергей', 'sergey'],
  ['Андрей', 'andrey'],
  ['Михаил', 'mikhail'],
  ['Игорь', 'igor'],
  ['Николай', 'nikolay'],
  ['Павел', 'pavel'],
  ['Владимир', 'vladimir'],
  ['Евгений', 'evgeny'],
];
const FIRST_FEMALE: Array<[string, string]> = [
  ['Ирина', 'irina'],
  ['Елена', 'elena'],
  ['Ольга', 'olga'],
  ['Наталья', 'natalya'],
  ['Татьяна', 'tatyana'],
  ['Анна', 'anna'],
  ['Мария', 'maria'],
  ['Светлана', 'svetlana'],
  ['Юлия', 'yulia'],
  ['Екатерина', 'ekaterina'],
];
const LAST: Array<[string, string]> = [
  ['Смирнов', 'smirnov'],
  ['Иванов', 'ivanov'],
  ['Кузнецов', 'kuznetsov'],
  ['Попов', 'popov'],
  ['Соколов', 'sokolov'],
  ['Лебедев', 'lebedev'],
  ['Козлов', 'kozlov'],
  ['Новиков', 'novikov'],
  ['Морозов', 'morozov'],
  ['Волков', 'volkov'],
  ['Фёдоров', 'fedorov'],
  ['Васильев', 'vasilyev'],
];
const EN_NAMES = ['Erik Lindqvist', 'Anna Berg', 'Jonas Weber', 'Claire Martin', 'Peter Hansen', 'Laura Schmidt'];
const TITLES_RU = ['менеджер по продажам', 'главный бухгалтер', 'руководитель отдела закупок', 'логист', 'юрист'];
const TITLES_EN = ['Sales Manager', 'Account Executive', 'Logistics Coordinator', 'Procurement Lead'];
const OFFSETS = [180, 180, 180, 180, 300, 420, 0, 60, 120];

export function makePeople(rng: Rng, count: number): Person[] {
  const people: Person[] = [];
  const taken = new Set<string>();
  while (people.length < count) {
    const company = rng.pick(COMPANIES);
    const foreign = !company.domain.endsWith('.ru') && company.domain !== 'gmail.com';
    let name: string;
    let local: string;
    if (foreign) {
      name = rng.pick(EN_NAMES);
      local = name.toLowerCase().replace(' ', '.');
    } else {
      const female = rng.chance(0.5);
      const [first, firstLatin] = rng.pick(female ? FIRST_FEMALE : FIRST_MALE);
      const [last, lastLatin] = rng.pick(LAST);
      name = `${first} ${female ? `${last}а` : last}`;
      local = `${firstLatin.charAt(0)}.${lastLatin}${female ? 'a' : ''}`;
    }
    const email = `${local}${people.length % 7 === 6 ? people.length : ''}@${company.domain}`;
    if (taken.has(email)) continue;
    taken.add(email);
    const title = foreign ? rng.pick(TITLES_EN) : rng.pick(TITLES_RU);
    const utcOffset = foreign ? rng.pick([60, 120]) : rng.pick(OFFSETS);
    const phone = `+7 (${rng.pick(['495', '812', '843', '343'])}) ${rng.int(200, 999)}-${rng.int(10, 99)}-${rng.int(10, 99)}`;
    people.push({ name, email, title, company, phone, utcOffset });
  }
  return people;
}

export function isForeign(person: Person): boolean {
  return /[A-Za-z]/.test(person.name.charAt(0));
}

const PRODUCTS = [
  'арматуры А500С',
  'цемента М500',
  'кабеля ВВГнг 3х2,5',
  'профнастила С21',
  'офисной бумаги',
  'серверного оборудования',
  'ламината 33 класса',
  'труб ПНД 110 мм',
  'минераловатного утеплителя',
  'сантехнической арматуры',
];
const OBJECTS = ['ЖК "Солнечный"', 'складе в Подольске', 'офисе на Тверской', 'объекте в Казани', 'площадке в Химках'];
const MONTHS = ['январь', 'февраль', 'март', 'апрель', 'май', 'июнь', 'июль', 'август', 'сентябрь', 'октябрь'];

const RU_SENTENCES = [
  'Направляем вам счет № {n} от {date} на сумму {amount} руб.',
  'Прошу согласовать договор поставки № {n} до {date}.',
  'Оплата по счету № {n} прошла {date}, просим подтвердить получение.',
  'Во вложении акт сверки взаиморасчетов за {q} квартал.',
  'Отгрузка запланирована на {date}, машина будет с утра.',
  'Уточните, пожалуйста, реквизиты для оплаты и контактное лицо на складе.',
  'По нашим данным задолженность на сегодня составляет {amount} руб.',
  'Готовы обсудить специальные условия при объеме от {qty} единиц.',
  'Скидка {pct}% действует до конца месяца, дальше цены вырастут.',
  'Напоминаем о встрече {date} в {time} в нашем офисе, пропуск заказан.',
  'Документы отправили курьером, номер накладной {n}.',
  'Прошу выставить счет на поставку {product} в количестве {qty} шт.',
  'Все цены указаны с учетом НДС 20%, доставка до объекта включена.',
  'Замечания по спецификации учли, исправленная версия во вложении.',
  'Сроки поставки {product} сдвигаются на две недели из-за задержки на таможне.',
  'Бухгалтерия просит прислать оригиналы закрывающих документов за {month}.',
  'Подпишите, пожалуйста, и верните скан до пятницы, оригинал можно позже.',
  'Коммерческое предложение действительно в течение {days} дней.',
  'Если появятся вопросы, звоните в любое время, я на связи.',
  'Монтажные работы на {object} начнутся {date}, бригада уже подобрана.',
  'Нам важно закрыть этот вопрос до конца квартала, иначе сорвется график.',
  'Просим учесть, что склад принимает машины только с 9:00 до 17:00.',
  'По претензии № {n} готовы заменить партию за свой счет.',
  'Согласовали с руководством, можно подписывать в текущей редакции.',
  'Пришлите, пожалуйста, сертификаты соответствия на партию {product}.',
  'Остаток на складе - {qty} шт., остальное привезем следующей машиной.',
  'Перенесли оплату на {date} по просьбе вашего финансового отдела.',
  'Протокол разногласий к договору № {n} направили вчера, ждем ответа.',
];
const EN_SENTENCES = [
  'Please find attached invoice {n} dated {date} for the amount of {amount} EUR.',
  'Could you confirm the delivery date for order {n}?',
  'The shipment left our warehouse on {date} and should arrive within {days} days.',
  'We would like to schedule a call on {date} at {time} to review the contract draft.',
  'Our legal team has a few comments on section {qty} of the agreement.',
  'The updated price list is valid until the end of the quarter.',
  'Payment for invoice {n} was made on {date}, please check on your side.',
  'Let me know if you need any further documents from us.',
  'We can offer a {pct}% discount for orders above {qty} units.',
  'Thank you for the quick reply, this works for us.',
];
const RU_SUBJECTS = [
  'Счет № {n} от {date}',
  'Договор поставки № {n}',
  'Акт сверки за {q} квартал',
  'Коммерческое предложение: поставка {product}',
  'Отгрузка {date}',
  'Оплата по счету № {n}',
  'Встреча {date}',
  'Спецификация к договору № {n}',
  'Претензия по качеству партии № {n}',
  'График работ на {object}',
  'Вопрос по доставке',
  'Реквизиты для оплаты',
  'Замечания к проекту договора',
  'Прайс-лист на {month}',
  'Закрывающие документы за {month}',
];
const EN_SUBJECTS = [
  'Invoice {n}',
  'Quarterly report Q{q}',
  'Meeting on {date}',
  'Shipment status for order {n}',
  'Contract draft v{q}',
  'Price list update',
];

function fill(rng: Rng, template: string): string {
  return template.replace(/\{(\w+)\}/g, (_, slot: string) => {
    switch (slot) {
      case 'n':
        return String(rng.int(10, 9999));
      case 'date':
        return `${String(rng.int(1, 28)).padStart(2, '0')}.${String(rng.int(1, 12)).padStart(2, '0')}`;
      case 'amount':
        return `${rng.int(1, 999)} ${String(rng.int(0, 999)).padStart(3, '0')},${String(rng.int(0, 99)).padStart(2, '0')}`;
      case 'qty':
        return String(rng.int(2, 500));
      case 'pct':
        return String(rng.int(3, 15));
      case 'days':
        return String(rng.pick([5, 10, 14, 30]));
      case 'time':
        return `${rng.int(9, 18)}:${rng.pick(['00', '30'])}`;
      case 'q':
        return String(rng.int(1, 4));
      case 'product':
        return rng.pick(PRODUCTS);
      case 'object':
        return rng.pick(OBJECTS);
      case 'month':
        return rng.pick(MONTHS);
      default:
        throw new Error(`unknown template slot ${slot}`);
    }
  });
}

export function subject(rng: Rng, language: Language): string {
  return fill(rng, rng.pick(language === 'ru' ? RU_SUBJECTS : EN_SUBJECTS));
}

export function greeting(rng: Rng, language: Language, to: Person): string {
  const first = to.name.split(' ')[0] ?? '';
  if (language === 'en') return rng.pick([`Hello ${first},`, `Dear ${first},`, 'Hi,']);
  return rng.pick([`${first}, добрый день!`, 'Добрый день!', 'Здравствуйте!', 'Коллеги, добрый день.']);
}

/** Paragraphs of about `chars` characters in total. */
export function paragraphs(rng: Rng, language: Language, chars: number): string[] {
  const sentences = language === 'ru' ? RU_SENTENCES : EN_SENTENCES;
  const out: string[] = [];
  let total = 0;
  while (total < chars) {
    const parts: string[] = [];
    const count = rng.int(2, 6);
    for (let i = 0; i < count; i++) parts.push(fill(rng, rng.pick(sentences)));
    const paragraph = parts.join(' ');
    out.push(paragraph);
    total += paragraph.length + 2;
  }
  return out;
}

export function signature(language: Language, from: Person): string[] {
  const closing = language === 'ru' ? 'С уважением,' : 'Best regards,';
  return [
    '-- ',
    closing,
    from.name,
    from.title,
    from.company.name,
    `${language === 'ru' ? 'тел.' : 'phone'} ${from.phone}`,
  ];
}

export function quoteHeader(language: Language, date: string, author: Person): string {
  return language === 'ru' ? `${date}, ${author.name} пишет:` : `On ${date}, ${author.name} wrote:`;
}

export interface AttachmentKind {
  extension: string;
  contentType: string;
  /** First bytes of a real file of this type, so sniffers recognise it. */
  magic: Buffer;
}

export const ATTACHMENT_KINDS: AttachmentKind[] = [
  { extension: 'pdf', contentType: 'application/pdf', magic: Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1') },
  {
    extension: 'xlsx',
    contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    magic: Buffer.from('504b030414000600080000002100', 'hex'),
  },
  {
    extension: 'jpg',
    contentType: 'image/jpeg',
    magic: Buffer.from('ffd8ffe000104a46494600010101004800480000', 'hex'),
  },
  {
    extension: 'docx',
    contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    magic: Buffer.from('504b030414000600080000002100', 'hex'),
  },
];

const RU_FILE_STEMS = [
  'Счет № {n}',
  'Акт сверки {q} кв',
  'Договор поставки {n} (редакция {q})',
  'Спецификация к договору {n}',
  'Коммерческое предложение',
  'Фото с объекта {n}',
  'Товарная накладная ТОРГ-12 № {n}',
];
const ASCII_FILE_STEMS = ['invoice_{n}', 'scan_{n}', 'IMG_{n}', 'report_Q{q}', 'price_list', 'contract_{n}_signed'];

export function attachmentStem(rng: Rng, cyrillic: boolean): string {
  return fill(rng, rng.pick(cyrillic ? RU_FILE_STEMS : ASCII_FILE_STEMS));
}
