/**
 * What a job's dashboard knows about being one: where the jobs console is, and what to say when
 * the job's service refuses the data API (the job was stopped or deleted, or the session ended).
 * `vizjobs board` serves the same page at `/`, which is no job's: it gets no console link.
 */
import type { DataError } from "./api";

/** The console of the server serving `pathname`, if it is a job's dashboard (`…/vj/{project}/{job}/…`). */
export function consoleHref(pathname: string): string | null {
  const at = pathname.search(/\/vj\/[^/]+\/[^/]+\//);
  return at < 0 ? null : `${pathname.slice(0, at)}/`;
}

/** The login page that comes back to this dashboard. */
export function loginHref(pathname: string): string | null {
  const console = consoleHref(pathname);
  const dashboard = pathname.match(/\/vj\/[^/]+\/[^/]+\//);
  return console && dashboard ? `${console}?next=${encodeURIComponent(dashboard[0])}` : null;
}

export interface JobNotice {
  text: string;
  link: { href: string; label: string } | null;
}

/** A person's words for a refusal of the job's service, or null for any other failure. */
export function jobNotice(error: DataError, pathname: string): JobNotice | null {
  const console = consoleHref(pathname);
  if (!console) return null;
  const toConsole = { href: console, label: "Open the jobs console" };
  switch (error.code) {
    case "ModelArts.0105":
      return { text: "This job was stopped. Its dashboard comes back when the job is restarted.", link: toConsole };
    case "ModelArts.0103":
      return { text: "This job no longer exists: it was deleted.", link: toConsole };
    case "ModelArts.0201":
    case "ModelArts.0202":
    case "ModelArts.0203": {
      const login = loginHref(pathname);
      return { text: "Your session has ended.", link: login ? { href: login, label: "Log in again" } : toConsole };
    }
    default:
      return null;
  }
}
