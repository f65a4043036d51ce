import type { InteractionRecord } from '../../core/api.js';
import type { MessageKey, Translate } from '../i18n';

const KIND_LABEL: Record<InteractionRecord['kind'], MessageKey> = {
  email: 'kindEmail',
  call: 'kindCall',
  sms: 'kindSms',
  meeting: 'kindMeeting',
  planned: 'kindPlanned',
};

/** Stroke paths on a 16×16 grid, drawn in the text colour. */
const KIND_PATH: Record<InteractionRecord['kind'], string> = {
  email: 'M2 4h12v8H2z M2 4l6 5 6-5',
  call: 'M4 2l2.5 3-1.5 1.5a8 8 0 0 0 4.5 4.5L11 9.5l3 2.5-1.5 2A10 10 0 0 1 2 3.5z',
  sms: 'M2 3h12v8H7l-3 3v-3H2z',
  meeting:
    'M5.5 7a2 2 0 1 0 0-4 2 2 0 0 0 0 4z M11 7a2 2 0 1 0 0-4 2 2 0 0 0 0 4z M1.5 13c0-3 8-3 8 0 M8 12c.5-2.5 6.5-2.5 6.5 1',
  planned: 'M2 4h12v10H2z M2 7h12 M5 2v3 M11 2v3',
};

function Glyph({ path, label, className }: { path: string; label: string; className: string }) {
  return (
    <svg className={className} viewBox="0 0 16 16" width="16" height="16" role="img" aria-label={label}>
      <title>{label}</title>
      <path d={path} fill="none" stroke="currentColor" strokeWidth="1.3" strokeLinejoin="round" strokeLinecap="round" />
    </svg>
  );
}

export function KindIcon({ kind, t }: { kind: InteractionRecord['kind']; t: Translate }) {
  return <Glyph className={`icon kind-${kind}`} path={KIND_PATH[kind]} label={t(KIND_LABEL[kind])} />;
}

export function DirectionIcon({ direction, t }: { direction: InteractionRecord['direction']; t: Translate }) {
  const path = direction === 'in' ? 'M8 2v11 M3.5 8.5L8 13l4.5-4.5' : 'M8 14V3 M3.5 7.5L8 3l4.5 4.5';
  return (
    <Glyph className={`icon dir-${direction}`} path={path} label={t(direction === 'in' ? 'incoming' : 'outgoing')} />
  );
}

export function PaperclipIcon({ label }: { label: string }) {
  return (
    <Glyph
      className="icon clip"
      path="M10.5 4.5l-5 5a1.5 1.5 0 0 0 2 2l5.5-5.5a3 3 0 0 0-4-4L3.5 7.5a4.5 4.5 0 0 0 6 6L14 9"
      label={label}
    />
  );
}
