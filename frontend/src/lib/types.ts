// Shapes of the JSON API (/api/v1), as documented in DESIGN.md §8 and the
// lead's API notes. Only the fields the UI reads are listed; the server may
// send more.

export interface User {
  username: string;
  full_name?: string;
  roles: string[];
  disabled?: boolean;
}

export interface Session {
  token: string;
  user: User;
}

export interface Health {
  status: string;
  node_id?: string;
  version?: string;
  commune?: string;
  agency?: string;
  cluster?: {
    state: string;
    members: number;
    problem?: string;
    error?: string;
    /** desk day: the office's PCs that did not answer lately, with their names */
    off?: { node_id: string; name?: string }[];
  };
  unreplicated?: number;
  /** configured and last_sync come with the province link (DESIGN §8.1); a missing configured means none */
  uplink?: { online: boolean; unsent: number; configured?: boolean; last_sync?: string | null };
  time?: string;
  clock?: { offset_ms: number; peers: number };
  store?: string; // "ok", or a problem: "damaged", "disk_full"
  /** provisional codes: "final", or "provisional" with a stable reason ("office_not_met", "not_enrolled") */
  codes?: { mode: string; reason?: string };
}

export interface DocumentItem {
  name: string;
  /** the catalog's English name (desk day: shown in the English UI; forms print name) */
  name_en?: string;
  copies: number;
  /** original | copy | certified_copy (form 01's column) */
  form?: string;
}

export interface Procedure {
  code: string;
  name: string;
  name_en?: string;
  days?: number;
  hours?: number;
  rule?: { kind: string; hours?: number; days?: number };
  fee_vnd?: number;
  fee_note?: string;
  /** desk day: the fee note in English */
  fee_note_en?: string;
  documents?: DocumentItem[];
  field?: string;
  /** who sets the fee: free (by law) | national | province */
  fee_basis?: string;
  fee_online_vnd?: number;
  /** the fee as the desk shows it, in Vietnamese */
  fee_vi?: string;
  /** the statutory extension the law allows (verification), if any */
  extension?: { max_hours: number; when: string; by_agreement?: boolean; source: string };
  /** registers: the civil-status register a resolved dossier is entered in (birth, death, …), if any */
  register?: string;
}

export interface StatusInfo {
  code: number;
  name: string;
  vi: string;
  terminal: boolean;
}

export interface Applicant {
  full_name: string;
  id_number: string;
  date_of_birth: string;
  phone: string;
  address: string;
  email?: string;
}

export interface HistoryEntry {
  action: string;
  from?: string;
  to?: string;
  at: string;
  by?: string;
  note?: string;
  /** the due date this step set (receipt, supplement restart, extension, apology) */
  due_at?: string;
  /** a step taken outside the law's time, e.g. supplement_request_late */
  warning?: string;
  /** forward, hand_over: to whom */
  holder?: string;
  extension_hours?: number;
}

export interface Conflict {
  command_id: string;
  action: string;
  by?: string;
  at: string;
  reason?: string;
}

export interface Dossier {
  id?: string;
  code: string;
  provisional?: boolean;
  code_clash?: boolean;
  procedure_code: string;
  procedure_name?: string;
  /** the domain's shape; normalised into procedure_code/procedure_name by the client */
  procedure?: { code: string; name: string; version?: string };
  status: string;
  status_vi?: string;
  status_code?: number;
  channel?: string;
  applicant: Applicant;
  documents?: DocumentItem[];
  note?: string;
  received_at?: string;
  due_at?: string;
  entered_at?: string;
  returned_at?: string;
  overdue?: boolean;
  apologized?: boolean;
  /** the statutory extension chosen, in working hours */
  extension_hours?: number;
  replicated?: boolean;
  received_by?: string;
  assignee?: string;
  /** the domain's name for assignee */
  holder?: string;
  allowed_actions?: string[];
  history?: HistoryEntry[];
  conflicts?: Conflict[];
  /** scanned documents, oldest first */
  attachments?: Attachment[];
  /** the citizen's rating, recorded at or after return */
  rating?: Rating;
  /** desk: full names of the officials the dossier names, by login name */
  names?: Record<string, string>;
  /** registers: the register entry a resolved civil-status dossier made */
  register_entry?: EntryRef;
}

/** A scanned document attached to a dossier, named by the SHA-256 of its content. */
export interface Attachment {
  sha256: string;
  name: string;
  /** image/jpeg, image/png or application/pdf, from the content */
  media_type: string;
  /** bytes */
  size: number;
  width?: number;
  height?: number;
  at: string;
  by: string;
  command_id?: string;
}

export type Satisfaction = 'very_satisfied' | 'satisfied' | 'dissatisfied';

export interface Rating {
  value: Satisfaction;
  note?: string;
  at: string;
  /** the official who recorded it */
  by: string;
  command_id?: string;
}

export interface Page<T> {
  items: T[];
  next?: string;
}

export interface NewDossier {
  procedure_code: string;
  applicant: Applicant;
  documents: DocumentItem[];
  note?: string;
  received_at?: string;
  extension?: ExtensionChoice;
  /** registers: the civil-status facts, for a procedure with a register */
  facts?: Facts;
}

export interface ActionRequest {
  action: string;
  /** the reason, for actions that need one */
  note?: string;
  new_due_at?: string;
  /** forward: the specialist who takes the dossier */
  assignee?: string;
  /** extend: the statutory extension chosen */
  extension?: ExtensionChoice;
}

export interface Timings {
  early: number;
  on_time: number;
  late: number;
}

export interface Stats {
  by_status: Record<string, number>;
  total?: number;
  overdue: number;
  due_today: number;
  /** dossiers finished (result returned or ready), by timing; `processed` on the wire in the core, `returned` in the API notes */
  returned: Timings;
  processed?: Timings;
  /** 0..1, or null when nothing has been processed yet */
  on_time_rate: number | null;
}

export interface NewUser {
  username: string;
  password: string;
  full_name: string;
  roles: string[];
}

/** A row of the desk's document checklist. */
export interface ChecklistItem {
  name: string;
  /** desk day: the catalog's English name, for the English UI */
  name_en?: string;
  copies: number;
  checked: boolean;
  /** original | copy | certified_copy */
  form?: string;
}

/** A statutory extension chosen at the desk or when verification starts. */
export interface ExtensionChoice {
  hours: number;
  reason: string;
  agreement?: boolean;
}

/** GET /cluster: this PC's view of the commune's LAN cluster. */
export interface ClusterStatus {
  state: string;
  members: number;
  unreplicated: number;
  state_hash?: string;
  cluster?: {
    node_id: string;
    cluster_id: string;
    leader: string;
    /** desk day: off (did not answer lately) and name (what officials call it) */
    members: { node_id: string; addrs: string[]; leader: boolean; off?: boolean; name?: string }[];
    peers?: { node_id?: string; addrs?: string[]; [k: string]: unknown }[];
    commands?: number;
  };
}

/** POST /idcard/parse: a chip ID card read from its QR string. */
export interface IdCard {
  id_number: string;
  old_id_number?: string;
  full_name: string;
  /** YYYY-MM-DD */
  date_of_birth: string;
  sex: string;
  address: string;
  /** YYYY-MM-DD */
  issued_on: string;
}

/** GET /reports/progress: counts of one row of the progress report (the total, or one procedure). */
export interface ProgressCounts {
  /** carried over from before the period, and new in it by channel (in_person, online, post) */
  received: { carried_over: number; new: number; by_channel: Record<string, number>; total: number };
  /** result ready in the period, against the due date in force then */
  processed: { early: number; on_time: number; late: number; total: number };
  /** being worked on at as_of */
  in_progress: { within_deadline: number; overdue: number; total: number };
  /** waiting at as_of for the citizen's supplement or payment; stopped in the period */
  paused: { supplement: number; payment: number; stopped: number };
  withdrawn: number;
}

/** GET /reports/progress: the progress report of a period. */
export interface ProgressReport extends ProgressCounts {
  /** first and last day, YYYY-MM-DD */
  from: string;
  to: string;
  /** when the figures were taken: the end of the period, or now for one still running */
  as_of: string;
  /** (early + on time) / processed; 1 when nothing was processed */
  on_time_rate: number;
  /** online / new; 0 when nothing is new */
  online_rate: number;
  /** ratings of the dossiers returned in the period */
  satisfaction: { very_satisfied: number; satisfied: number; dissatisfied: number; rated: number; returned: number };
  /** new dossiers of the period with scanned documents */
  digitised: { dossiers: number; files: number; rate: number };
  by_procedure: (ProgressCounts & { code: string; name: string })[];
}

// Accounts and the audit log.
export interface UserPatch {
  roles?: string[];
  disabled?: boolean;
  full_name?: string;
}

export interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  node: string;
  event: string;
  username?: string;
  addr?: string;
  detail?: string;
}

export interface AuditPage {
  items: AuditEntry[];
  next: string;
}

// LAN join code: GET/POST /cluster/join-code, admins only.
export interface JoinCode {
  code: string;
  epoch: number;
  not_reached?: string[];
}

// Civil-status registers (app/registers.go, app/entries.go; docs/api.md "Civil-status registers").
export interface RegisterInfo {
  id: string;
  kind: string;
  kind_vi: string;
  year: number;
  book: string;
  entries: number;
  closed: boolean;
  opened_at: string;
}

export interface Person {
  full_name: string;
  sex?: string;
  date_of_birth?: string;
  ethnicity?: string;
  nationality?: string;
  residence?: string;
  id_number?: string;
}

export interface Facts {
  subject: Person;
  partner?: Person;
  mother?: Person;
  father?: Person;
  date: string;
  place?: string;
  content?: string;
  declarant: { full_name: string; relation?: string; id_number?: string; phone?: string };
}

export interface ExtractIssue {
  no: number;
  copies: number;
  fee_vnd: number;
  requester?: string;
  by: string;
  at: string;
}

export interface RegisterEntry {
  register: string;
  kind: string;
  year: number;
  book: string;
  number: number;
  dossier_code?: string;
  facts: Facts;
  current: Facts;
  registered_at: string;
  registered_by: string;
  corrections?: { field: string; old: string; new: string; note: string; by: string; at: string }[];
  annotations?: { note: string; by: string; at: string }[];
  extracts?: ExtractIssue[];
  conflicts?: { reason: string }[];
}

// Registers: digitising old books and the national export (docs/api.md
// "Digitising old books"; area: registers).
export interface EntryRef {
  register: string;
  book: string;
  number: number;
}

export interface BookPage {
  no: number;
  sha256: string;
  media_type: string;
  size: number;
  by: string;
  at: string;
}

export interface OldBook {
  id: string;
  kind: string;
  year: number;
  book: string;
  digitised?: boolean;
  pages?: BookPage[];
}

export interface Transcription {
  page: number;
  registered_on: string;
  signer?: string;
  signer_title?: string;
  facts: Facts;
}

export interface DraftEntry {
  number: number;
  status: 'awaiting_second' | 'disputed' | 'verified';
  typed_by: string[];
  mine?: Transcription;
  differences?: { field: string; values: [string, string] }[];
  settled?: Record<string, string>;
  subject?: string;
}

export interface DigitiseCounts {
  pages: number;
  entries: number;
  verified: number;
  disputed: number;
}

export interface BookProgress extends DigitiseCounts {
  id: string;
  kind: string;
  kind_vi: string;
  year: number;
  book: string;
}

export interface BookDigitising {
  book: OldBook;
  progress: DigitiseCounts;
  entries: DraftEntry[];
}
