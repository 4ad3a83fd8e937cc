// The password policy as a checklist, each rule ticked as the password meets it.
import { passwordChecks } from '../../auth/accountRules';

export function PasswordChecklist({ id, password }: { id: string; password: string }) {
  return (
    <ul id={id} aria-label="Password rules" data-testid="password-policy" className="-mt-2 flex flex-col gap-0.5 text-xs">
      {passwordChecks(password).map(({ rule, met }) => (
        <li
          key={rule.id}
          data-testid={`password-rule-${rule.id}`}
          data-met={met}
          className={`flex items-center gap-1.5 ${met ? 'text-emerald-700 dark:text-emerald-400' : 'text-slate-500 dark:text-slate-400'}`}
        >
          <span aria-hidden="true" className="inline-block w-3 text-center font-bold">
            {met ? '✓' : '○'}
          </span>
          {rule.label}
          <span className="sr-only">{met ? ' (met)' : ' (not met yet)'}</span>
        </li>
      ))}
    </ul>
  );
}
