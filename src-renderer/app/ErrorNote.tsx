import { errorText } from '../api/fieldline';

/** An error as a person reads it: the message the main process or server gave, never a stack. */
export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {errorText(error)}
    </p>
  );
}
