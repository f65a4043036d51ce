import { useState } from 'react';
import { api, type Kind, useJournal } from '../store';
import { CancelButton, isoFromLocal, localInputValue, Modal } from './Modal';

type OtherKind = Exclude<Kind, 'email'>;

/** The fields each kind asks for; one small form serves all four. */
const FIELDS: Record<OtherKind, ReadonlyArray<'title' | 'phone' | 'direction' | 'when' | 'participants' | 'text'>> = {
  call: ['phone', 'direction', 'when', 'title', 'text'],
  sms: ['phone', 'direction', 'text'],
  meeting: ['title', 'when', 'participants', 'text'],
  planned: ['title', 'when', 'phone', 'text'],
};

const LIST = (text: string) => text.split(/[\s,;]+/).filter(Boolean);

/** Logs a call or an SMS, adds a meeting, or plans an interaction, based on the selected one when there is one. */
export function CreateDialog({ kind }: { kind: OtherKind }) {
  const create = useJournal((s) => s.create);
  const selectedId = useJournal((s) => s.selectedId);
  const t = useJournal((s) => s.t);
  const [title, setTitle] = useState('');
  const [phone, setPhone] = useState('');
  const [direction, setDirection] = useState<'in' | 'out'>('out');
  const [when, setWhen] = useState(() => localInputValue(new Date()));
  const [participants, setParticipants] = useState('');
  const [text, setText] = useState('');
  const basis = selectedId === null ? {} : { basisId: selectedId };
  const named = title.trim() ? { title: title.trim() } : {};
  const phoned = phone.trim() ? { phone: phone.trim() } : {};

  const submit = () =>
    void create(() => {
      switch (kind) {
        case 'call':
          return api.logCall({ ...basis, ...named, ...phoned, direction, startedAt: isoFromLocal(when), notes: text });
        case 'sms':
          return api.logSms({ ...basis, ...phoned, direction, text });
        case 'meeting':
          return api.addMeeting({
            ...basis,
            title: title.trim(),
            startsAt: isoFromLocal(when),
            participants: LIST(participants),
            agenda: text,
          });
        case 'planned':
          return api.planInteraction({
            ...basis,
            ...phoned,
            title: title.trim(),
            plannedKind: 'call',
            dueAt: isoFromLocal(when),
            notes: text,
          });
      }
    });

  const fields = FIELDS[kind];
  return (
    <Modal
      title={t(`create_${kind}`)}
      onSubmit={submit}
      actions={
        <>
          <CancelButton />
          <button type="submit" className="primary">
            {t('save')}
          </button>
        </>
      }
    >
      {fields.includes('phone') ? (
        <label className="field">
          {t('phone')}
          <input type="tel" required={kind !== 'planned'} value={phone} onChange={(e) => setPhone(e.target.value)} />
        </label>
      ) : null}
      {fields.includes('direction') ? (
        <label className="field">
          {t('columnDirection')}
          <select value={direction} onChange={(e) => setDirection(e.target.value as 'in' | 'out')}>
            <option value="out">{t('outgoing')}</option>
            <option value="in">{t('incoming')}</option>
          </select>
        </label>
      ) : null}
      {fields.includes('title') ? (
        <label className="field">
          {t('columnTitle')}
          <input
            required={kind === 'meeting' || kind === 'planned'}
            value={title}
            onChange={(e) => setTitle(e.target.value)}
          />
        </label>
      ) : null}
      {fields.includes('when') ? (
        <label className="field">
          {t('date')}
          <input type="datetime-local" required value={when} onChange={(e) => setWhen(e.target.value)} />
        </label>
      ) : null}
      {fields.includes('participants') ? (
        <label className="field">
          {t('participants')}
          <input value={participants} onChange={(e) => setParticipants(e.target.value)} />
        </label>
      ) : null}
      {fields.includes('text') ? (
        <label className="field">
          {t(kind === 'sms' ? 'text' : 'notes')}
          <textarea rows={4} required={kind === 'sms'} value={text} onChange={(e) => setText(e.target.value)} />
        </label>
      ) : null}
    </Modal>
  );
}
