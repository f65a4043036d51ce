import { useId, useState } from 'react';
import type { AccountCheck, Detection, SetupForm } from '../../core/api.js';
import { isMessageKey } from '../i18n';
import { api, useJournal } from '../store';
import { useAttempt } from '../use-attempt';
import { CheckReport } from './CheckReport';
import { CancelButton, Modal } from './Modal';

type Field = SetupForm['steps'][number]['fields'][number];
type Values = Record<string, unknown>;
type Stage =
  | { at: 'address' }
  | { at: 'detected'; detection: Detection | null }
  | { at: 'manual'; form: SetupForm; step: number }
  | { at: 'result'; check: AccountCheck; saved: boolean; back: Stage };

function valueAt(values: Values, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v as Values | undefined)?.[k], values);
}

function withValue(values: Values, path: string, value: unknown): Values {
  const [head, ...rest] = path.split('.') as [string, ...string[]];
  if (rest.length === 0) return { ...values, [head]: value };
  return { ...values, [head]: withValue((values[head] as Values) ?? {}, rest.join('.'), value) };
}

/** A protocol or security change moves the port to that combination's usual one, as mail programs do. */
function withStandardPort(values: Values, form: SetupForm, path: string): Values {
  const side = path.split('.')[0];
  if (side !== 'incoming' && side !== 'outgoing') return values;
  const protocol = side === 'outgoing' ? 'smtp' : (valueAt(values, 'incoming.protocol') as 'imap' | 'pop3');
  const security = valueAt(values, `${side}.security`) as 'tls' | 'starttls' | 'none';
  return withValue(values, `${side}.port`, form.standardPorts[protocol][security]);
}

/** The form's values as setupAccount takes them: empty optional passwords left out, so the account's is used. */
function request(values: Values, password: string) {
  const strip = (side: 'incoming' | 'outgoing') => {
    const { password: own, ...rest } = values[side] as Values;
    return own ? { ...rest, password: own } : rest;
  };
  return { ...values, incoming: strip('incoming'), outgoing: strip('outgoing'), password, auto: false };
}

function FieldInput({ field, values, onChange }: { field: Field; values: Values; onChange(v: unknown): void }) {
  const t = useJournal((s) => s.t);
  const hintId = useId();
  const value = valueAt(values, field.key);
  const last = field.key.split('.').pop() ?? field.key;
  const key = `field_${last}`;
  const label = isMessageKey(key) ? t(key) : field.label;
  // The form's own words unless the catalogue has them in the user's language.
  const hintKey = `fieldHint_${field.key.replace('.', '_')}`;
  const hint = isMessageKey(hintKey) ? t(hintKey) : field.hint;
  if (field.type === 'boolean') {
    return (
      <>
        <label className="check">
          <input
            type="checkbox"
            checked={value === true}
            aria-describedby={hint ? hintId : undefined}
            onChange={(e) => onChange(e.target.checked)}
          />
          {label}
        </label>
        {hint ? (
          <p className="hint" id={hintId}>
            {hint}
          </p>
        ) : null}
      </>
    );
  }
  const unit = field.unit ? ` (${t(field.unit === 'days' ? 'unitDays' : 'unitSeconds')})` : '';
  if (field.type === 'choice') {
    return (
      <label className="field">
        {label}
        <select value={String(value)} onChange={(e) => onChange(e.target.value)}>
          {field.choices?.map((c) => {
            const choiceKey = `choice_${c.value}`;
            return (
              <option key={c.value} value={c.value}>
                {isMessageKey(choiceKey) ? t(choiceKey) : c.label}
              </option>
            );
          })}
        </select>
      </label>
    );
  }
  return (
    <label className="field">
      {label}
      {unit}
      <input
        type={field.type}
        required={field.required}
        min={field.min}
        max={field.max}
        placeholder={field.type === 'password' ? t('samePassword') : field.placeholder}
        value={value === null || value === undefined ? '' : String(value)}
        onChange={(e) =>
          onChange(field.type === 'number' ? (e.target.value ? Number(e.target.value) : null) : e.target.value)
        }
      />
    </label>
  );
}

/**
 * The account wizard of seed 004: the address and password, then the servers found for it (or the three steps of
 * the form, pre-filled, to enter by hand); the account is saved only after a test letter and a sign-in pass.
 */
export function SetupWizard() {
  const t = useJournal((s) => s.t);
  const loadAccounts = useJournal((s) => s.loadAccounts);
  const openDialog = useJournal((s) => s.openDialog);
  const [stage, setStage] = useState<Stage>({ at: 'address' });
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [senderName, setSenderName] = useState('');
  const [system, setSystem] = useState(false);
  const [auto, setAuto] = useState(true);
  const [values, setValues] = useState<Values>({});
  const { busy, error, attempt } = useAttempt();

  const basics = { email, system, ...(senderName.trim() ? { senderName: senderName.trim() } : {}) };

  const manual = () =>
    attempt(t('detecting'), async () => {
      const form = await api.accountSetupForm(basics);
      setValues(form.values as Values);
      setStage({ at: 'manual', form, step: 0 });
    });

  const setup = (input: Parameters<typeof api.setupAccount>[0], back: Stage) =>
    attempt(t('checking'), async () => {
      const result = await api.setupAccount(input);
      setStage({ at: 'result', check: result.check, saved: result.saved, back });
      if (result.saved) await loadAccounts();
    });

  const next = () => {
    if (stage.at === 'address') {
      if (!auto) return void manual();
      return void attempt(t('detecting'), async () => {
        setStage({ at: 'detected', detection: await api.detectServers({ email }) });
      });
    }
    if (stage.at === 'detected') return void setup({ ...basics, password, auto: true }, stage);
    if (stage.at === 'manual') {
      if (stage.step < stage.form.steps.length - 1) return setStage({ ...stage, step: stage.step + 1 });
      return void setup({ ...request(values, password), ...basics } as Parameters<typeof api.setupAccount>[0], stage);
    }
    openDialog(null);
  };

  const primary =
    stage.at === 'result'
      ? stage.saved
        ? t('done')
        : null
      : stage.at === 'manual' && stage.step < stage.form.steps.length - 1
        ? t('next')
        : stage.at === 'address'
          ? t('next')
          : t('createAccount');

  return (
    <Modal
      title={t('addAccount')}
      wide
      onSubmit={next}
      actions={
        <>
          {stage.at === 'detected' || (stage.at === 'result' && !stage.saved && stage.back.at === 'detected') ? (
            <button type="button" className="secondary" onClick={() => void manual()} disabled={busy !== null}>
              {t('setUpManually')}
            </button>
          ) : null}
          {stage.at === 'manual' && stage.step > 0 ? (
            <button type="button" className="secondary" onClick={() => setStage({ ...stage, step: stage.step - 1 })}>
              {t('back')}
            </button>
          ) : null}
          {stage.at === 'result' && !stage.saved ? (
            <button type="button" className="secondary" onClick={() => setStage(stage.back)}>
              {t('back')}
            </button>
          ) : null}
          <CancelButton />
          {primary ? (
            <button type="submit" className="primary" disabled={busy !== null}>
              {busy ?? primary}
            </button>
          ) : null}
        </>
      }
    >
      {stage.at === 'address' ? (
        <div className="wizard-page">
          <label className="field">
            {t('emailAddress')}
            {/* biome-ignore lint/a11y/noAutofocus: the wizard starts with the address */}
            <input type="email" required autoFocus value={email} onChange={(e) => setEmail(e.target.value)} />
          </label>
          <label className="field">
            {t('field_password')}
            <input type="password" required value={password} onChange={(e) => setPassword(e.target.value)} />
          </label>
          <label className="field">
            {t('senderName')}
            <input value={senderName} onChange={(e) => setSenderName(e.target.value)} />
          </label>
          <label className="check">
            <input type="checkbox" checked={auto} onChange={(e) => setAuto(e.target.checked)} />
            {t('detectAutomatically')}
          </label>
          <label className="check">
            <input type="checkbox" checked={system} onChange={(e) => setSystem(e.target.checked)} />
            {t('systemAccount')}
          </label>
        </div>
      ) : null}
      {stage.at === 'detected' ? (
        <div className="wizard-page" data-stage="detected">
          {stage.detection ? (
            <>
              <p>{t('serversFound', { source: stage.detection.provider?.name ?? stage.detection.source })}</p>
              <ul className="servers">
                {[...stage.detection.incoming.slice(0, 1), ...stage.detection.outgoing.slice(0, 1)].map((s) => (
                  <li key={`${s.protocol}:${s.host}:${s.port}`}>
                    {s.protocol.toUpperCase()} {s.host}:{s.port} ({s.security}), {s.username}
                  </li>
                ))}
              </ul>
              {stage.detection.notes.map((note) => (
                <p key={note} className="warning">
                  {note}
                </p>
              ))}
              <p className="hint">{t('checkBeforeSaving')}</p>
            </>
          ) : (
            <p className="warning" role="alert">
              {t('notDetected')}
            </p>
          )}
        </div>
      ) : null}
      {stage.at === 'manual' ? (
        <div className="wizard-page" data-stage={stage.form.steps[stage.step]?.id}>
          <ol className="wizard-steps">
            {stage.form.steps.map((s, i) => (
              <li key={s.id} aria-current={i === stage.step ? 'step' : undefined}>
                {t(`step_${s.id}`)}
              </li>
            ))}
          </ol>
          {stage.form.steps[stage.step]?.fields
            .filter((f) => !f.visibleWhen || valueAt(values, f.visibleWhen.key) === f.visibleWhen.equals)
            .map((f) => (
              <FieldInput
                key={f.key}
                field={f}
                values={values}
                onChange={(v) => {
                  const changed = withValue(values, f.key, v);
                  const moves = /\.(security|protocol)$/.test(f.key);
                  setValues(moves ? withStandardPort(changed, stage.form, f.key) : changed);
                }}
              />
            ))}
          {stage.form.steps[stage.step]?.id === 'account' ? (
            // The address page's password, here too: after a failed check it is what the user most often fixes.
            <label className="field">
              {t('accountPassword')}
              <input type="password" required value={password} onChange={(e) => setPassword(e.target.value)} />
            </label>
          ) : null}
          {stage.form.steps[stage.step]?.id === 'account' ? (
            <label className="check">
              <input
                type="checkbox"
                checked={values.acceptSelfSigned === true}
                onChange={(e) => setValues({ ...values, acceptSelfSigned: e.target.checked })}
              />
              {t('acceptSelfSigned')}
            </label>
          ) : null}
        </div>
      ) : null}
      {stage.at === 'result' ? (
        <div className="wizard-page" data-stage="result">
          <p className={stage.saved ? 'ok-text' : 'error-text'} role="status">
            {t(stage.saved ? 'accountSaved' : 'accountNotSaved')}
          </p>
          <CheckReport check={stage.check} />
        </div>
      ) : null}
      {error ? (
        <p className="error-text" role="alert">
          {error}
        </p>
      ) : null}
    </Modal>
  );
}
