import { describe, expect, it } from 'vitest';
import { cleanSubject } from './subject-line.js';

describe('cleanSubject', () => {
  it.each([
    ['Re: Invoice 15', 'Invoice 15'],
    ['RE: RE: Fwd: Invoice 15', 'Invoice 15'],
    ['FW: Invoice', 'Invoice'],
    ['AW: WG: Angebot', 'Angebot'],
    ['Ответ: Счёт на оплату', 'Счёт на оплату'],
    ['Отв: Пересл: Договор', 'Договор'],
    ['Re[2]: Смета', 'Смета'],
    ['Re(3): Смета', 'Смета'],
    ['[External] Re: Order #12', 'Order #12'],
    ['SV: VS: Tilbud', 'Tilbud'],
    ['Invoice', 'Invoice'],
  ])('%s → %s', (input, expected) => {
    expect(cleanSubject(input)).toBe(expected);
  });

  it('keeps words that merely start like a marker', () => {
    expect(cleanSubject('Review of the contract')).toBe('Review of the contract');
    expect(cleanSubject('Return: goods')).toBe('Return: goods');
    expect(cleanSubject('Отчёт за март')).toBe('Отчёт за март');
  });
});
