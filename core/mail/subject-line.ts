/**
 * Reply and forward markers mail clients put before a subject, in the languages our users' correspondents
 * write in: Re, Fwd/Fw, AW/WG (German), SV/VS (Nordic), TR (French), RIF/I (Italian), Ответ/Отв/Пересл/Fwd.
 * "Re[2]:" and "Re(3):" counters and "[External]"-style tags before them are stripped too.
 */
const MARKER =
  /^\s*(?:\[[^\]]{1,40}\]\s*)?(?:re|fwd?|aw|wg|sv|vs|tr|rif|antw|ответ|отв|пересл|переслать|отвeт)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*/iu;

/** A chain's title: the subject without any number of leading reply/forward markers. */
export function cleanSubject(subject: string): string {
  let s = subject.replace(/\s+/g, ' ').trim();
  for (let i = 0; i < 20; i++) {
    const next = s.replace(MARKER, '');
    if (next === s) break;
    s = next;
  }
  return s.trim();
}
