// What mailshift does not move, and what each person does about it: one list for the notices and the report.
// The engine (engine/) copies messages into folders, with their flags and received dates, and creates and
// subscribes the folders; nothing else of a mailbox is read from the old host.
export const WHAT_MOVES = "mail and folders (with their read and flagged marks and dates)";

export interface NotMoved {
  what: string;
  /** What to do, `app` being where it is set up again ("Outlook", "your new account"). */
  todo: (app: string) => string;
}

export const NOT_MOVED: readonly NotMoved[] = [
  { what: "Calendars", todo: (app) => `export them from the old webmail (as .ics files) and import them in ${app}.` },
  {
    what: "Contacts",
    todo: (app) =>
      `export the address book from the old webmail (vCard or CSV) and import it in ${app}. Contacts kept on a phone or in a mail app stay where they are.`,
  },
  { what: "Filters and rules", todo: (app) => `write them down and create them again in ${app}.` },
  {
    what: "Automatic replies (out of office)",
    todo: (app) => `switch them off on the old server and set them again in ${app} if still needed.`,
  },
  { what: "Signatures", todo: (app) => `copy their text and set them again in ${app}.` },
];
