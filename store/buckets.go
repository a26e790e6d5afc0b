package store

// Buckets, declared once. The replicated ones hold state that is the same on
// every node that applied the same commands (their hash is the state hash);
// the local ones hold what belongs to this PC alone.
var (
	// Replicated state.
	bCmds       = []byte("cmds")         // command ID → canonical command bytes
	bEntityCmds = []byte("entity_cmds")  // entity \x00 at(8) node \x00 id → ∅: each entity's commands in fold order
	bDossiers   = []byte("dossiers")     // dossier ID → state (JSON)
	bUsers      = []byte("users")        // user name → state (JSON)
	bConfig     = []byte("config")       // "commune", "install", "pc/<node ID>" → state (JSON)
	bSlots      = []byte("slots")        // slot (2 digits) → lease state (JSON)
	bSeq        = []byte("seq")          // YYMMDD/slot → largest daily number applied (uint32)
	bCounts     = []byte("counts")       // "status/<name>", "timing/<t>", "published" → count (uint64)
	bIdxCode    = []byte("idx_code")     // dossier code → the ID of its owner: the least ID among its claimants
	bCodeClaims = []byte("code_claims")  // dossier code \x00 dossier ID → ∅: every dossier bearing the code
	bIdxRecv    = []byte("idx_recv")     // received(8) \x00 id → ∅ (read backwards: newest first)
	bIdxStatus  = []byte("idx_status")   // status \x00 received(8) \x00 id → ∅ (read backwards)
	bIdxOpenDue = []byte("idx_open_due") // due(8) \x00 id → status, open dossiers only
	bIdxHolder  = []byte("idx_holder")   // holder \x00 due(8) \x00 id → ∅, open dossiers only
	bIdxName    = []byte("idx_name")     // name key suffix (app.NameKeys) \x00 id → ∅
	bIdxNum     = []byte("idx_num")      // ID number or phone \x00 id → ∅
	bIdxClosed  = []byte("idx_closed")   // closed(8) \x00 id → received(8), terminal dossiers only (reports: store/report.go)
	bUnknown    = []byte("unknown")      // command ID → ∅: kinds from a newer version, applied after upgrade
	bIdxBlobs   = []byte("idx_blobs")    // scan SHA-256 \x00 dossier ID or "register/"+old book → ∅: the files every PC should hold
	bIdem       = []byte("idem")         // hash of (official, Idempotency-Key) → dossier ID
	bAudit      = []byte("audit")        // at(8) id → audit entry (JSON): sign-ins and admins' actions
	// Published by the province (store/published.go); "published" in bCounts counts their commands.
	bCatalogs  = []byte("catalogs")  // catalog version → app.CatalogVersion (JSON)
	bCalendars = []byte("calendars") // year (4 digits) → app.CalendarYear (JSON)

	// Civil-status registers (store/registers.go).
	bRegisters = []byte("registers") // register ID (kind-year) → book state (JSON)
	bEntries   = []byte("entries")   // register ID \x00 number(4) → entry state (JSON)
	bRegSeq    = []byte("reg_seq")   // register ID \x00 slot(1) → largest entry number applied from the slot's block (uint32)
	// Rows of registered entries only (a draft of an old book has none).
	bEntryText      = []byte("entry_text")       // register ID \x00 number(4) → app.EntrySearchText: the normalised copy search reads
	bIdxEntryChange = []byte("idx_entry_change") // latest change (HLC, 8) register ID \x00 number(4) → ∅: the export's order

	// Local to this PC.
	bMeta          = []byte("meta")           // node_id, hlc, pending count, schema version, log position
	bSessions      = []byte("sessions")       // token hash → session (JSON)
	bPending       = []byte("pending")        // command ID → entity: made here, not yet replicated
	bPendingEntity = []byte("pending_entity") // entity \x00 command ID → ∅
	// The uplink's index (store/uplink.go): derived from cmds alone (every
	// command but the hub's and the office-only ones, less those an
	// uplink.sent lists), so it is the same on every PC of the office and is
	// rebuilt, not copied, when a state snapshot is installed.
	bUnsent = []byte("uplink_unsent") // command ID → ∅: not acknowledged by the hub yet

	// bUplinkSentOld is the per-PC sent-marks of earlier versions: read once
	// to build bUnsent, then dropped.
	bUplinkSentOld = []byte("uplink_sent")
)

// replicated lists the buckets of the state hash, in hash order.
var replicated = [][]byte{bCmds, bEntityCmds, bDossiers, bUsers, bConfig, bSlots, bSeq, bCounts,
	bIdxCode, bIdxRecv, bIdxStatus, bIdxOpenDue, bIdxHolder, bIdxName, bIdxNum, bUnknown, bIdxClosed, bIdem, bCodeClaims, bIdxBlobs, bAudit,
	bCatalogs, bCalendars,
	bRegisters, bEntries, bRegSeq, bEntryText, bIdxEntryChange}

var local = [][]byte{bMeta, bSessions, bPending, bPendingEntity}

// dense lists the buckets whose new keys mostly sort after the old ones
// (time-ordered IDs and times): their pages are split nearly full instead of
// half full, which roughly halves the file.
var dense = [][]byte{bCmds, bDossiers, bEntityCmds, bIdxCode, bIdxRecv, bIdxStatus, bIdxClosed, bSeq, bIdem, bAudit}

// Keys of bMeta.
var (
	kNodeID  = []byte("node_id")
	kHLC     = []byte("hlc")
	kPending = []byte("pending")
	kSchema  = []byte("schema")
	kWAL     = []byte("wal") // the write-ahead log's position folded up to (store/wal.go)
)

const schemaVersion = 1
