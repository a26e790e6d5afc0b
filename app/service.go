package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sync"
	"time"
)

// Log makes commands durable: when Append returns nil, the commands are
// applied and survive a crash. In a cluster it also queues them for Raft.
type Log interface {
	Append(ctx context.Context, cmds ...Command) error
}

// Reader answers queries over the applied state. Missing things are
// reported as *Error with code ENotFound.
type Reader interface {
	Dossier(id string) (Dossier, error)
	DossierIDByCode(code string) (string, error)
	DossierIDByIdem(idem string) (string, error)
	CodeClaims(code string) ([]string, error)
	Dossiers(q ListQuery) (items []Dossier, next string, err error)
	User(username string) (User, error)
	Users() ([]User, error)
	Commune() (CommuneConfig, bool, error)
	Slots() ([]SlotLease, error)
	MaxSeq(day string, slot int) (int, error)
	MaxProvisional(day, node string) (int, error)
	Counts(now time.Time) (Stats, error)
	Unreplicated(entity string) (int, error)
	Audit(limit int, before string) (items []AuditEntry, next string, err error) // newest first

	// The civil-status registers (app/registry.go).
	RegisterReader
}

// Sessions keeps sign-in sessions on this PC (they are not replicated).
type Sessions interface {
	PutSession(tokenHash string, s Session) error
	Session(tokenHash string) (Session, error)
	DeleteSession(tokenHash string) error
}

// PasswordHasher hashes and checks passwords (argon2id in production).
type PasswordHasher interface {
	Hash(password string) (string, error)
	Verify(hash, password string) bool
}

// Calendar counts working time (see app/calendar).
type Calendar interface {
	Due(received time.Time, r DeadlineRule) time.Time
	AddWorking(t time.Time, d time.Duration) time.Time
	WorkingBetween(from, to time.Time) time.Duration
}

// Leaser obtains a number slot for this node. Alone, the node leases
// through its own log; in a cluster, through Raft, so no two PCs share one.
type Leaser interface {
	Lease(ctx context.Context) (slot int, err error)
}

// Config wires a Service. Every field except Leaser and Logger is required.
type Config struct {
	Node     string
	Log      Log
	Reader   Reader
	Sessions Sessions
	Hasher   PasswordHasher
	Calendar Calendar
	Catalogs *Catalogs
	// Published, if set, gives the catalogs and calendar in force instead
	// of Catalogs and Calendar: the built-in ones with what the province
	// published (app/published_live.go).
	Published  *Published
	Clock      *Clock
	Now        func() time.Time
	NewID      func() string // unique command IDs; RandomID if nil
	Leaser     Leaser        // nil: lease through Log
	Blobs      BlobStore     // scanned attachments (app/attach.go); nil: none on this PC
	SessionTTL time.Duration // 0: 12 hours
	HashSlots  int           // passwords hashed at once (each takes the hasher's memory); 0: 2
	Logger     *slog.Logger
}

// Service holds the use cases of the commune office. It validates input,
// checks permissions, builds commands and hands them to the Log; it never
// writes storage directly.
type Service struct {
	cfg      Config
	locks    [64]sync.Mutex // per-dossier serialisation of local actions
	codesMu  sync.Mutex
	held     []int          // slots this node holds; nil until read from the store
	counters map[string]int // "YYMMDD/slot" → last issued number
	// leaseRetry: no lease is tried before it (a lease just failed)
	leaseRetry time.Time
	leasing    chan struct{} // closed when the lease under way (without codesMu) ends; nil: none
	hashSlots  chan struct{} // a token per password hash running (app/signin.go)
	throttle   throttle      // recent sign-in failures
}

// NewService checks the configuration and returns a service.
func NewService(cfg Config) (*Service, error) {
	if cfg.Node == "" || cfg.Log == nil || cfg.Reader == nil || cfg.Sessions == nil || cfg.Hasher == nil ||
		(cfg.Published == nil && (cfg.Calendar == nil || cfg.Catalogs == nil)) || cfg.Clock == nil || cfg.Now == nil {
		return nil, fmt.Errorf("new service: incomplete config")
	}
	if cfg.NewID == nil {
		cfg.NewID = RandomID
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.HashSlots <= 0 {
		cfg.HashSlots = defaultHashSlots
	}
	return &Service{cfg: cfg, counters: map[string]int{}, hashSlots: make(chan struct{}, cfg.HashSlots)}, nil
}

// newID returns a command ID that sorts by time: the HLC reading, then 64
// random bits (or the configured generator's ID). Time-ordered keys fill
// bbolt pages densely.
func (s *Service) newID(at HLC) string {
	return fmt.Sprintf("%016x", uint64(at)) + s.cfg.NewID()[:16]
}

// RandomID returns a random 128-bit identifier in hex.
func RandomID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err)) // the OS has no entropy: nothing safe to do
	}
	return hex.EncodeToString(b[:])
}

// Now returns the service's current time in Asia/Ho_Chi_Minh.
func (s *Service) Now() time.Time { return s.cfg.Now().In(vnZone) }

// Catalog returns the catalog in force now.
func (s *Service) Catalog() Catalog { return s.catalogs().At(s.Now()) }

// catalogs returns the catalog versions in force: the published ones as
// soon as they are applied.
func (s *Service) catalogs() *Catalogs {
	if s.cfg.Published != nil {
		return s.cfg.Published.Catalogs()
	}
	return s.cfg.Catalogs
}

// calendar returns the working calendar in force: a published year counts
// for every due date computed after it is applied.
func (s *Service) calendar() Calendar {
	if s.cfg.Published != nil {
		return s.cfg.Published.Calendar()
	}
	return s.cfg.Calendar
}

// command builds an envelope stamped with this node and a fresh HLC reading.
func (s *Service) command(id, kind, actor string, body Body) (Command, error) {
	return s.commandAt(id, kind, actor, s.cfg.Clock.Next(), body)
}

// commandAfter is command for an entity whose latest command was stamped
// last: the new one is stamped after it, so it folds after it.
func (s *Service) commandAfter(last HLC, kind, actor string, body Body) (Command, error) {
	return s.commandAt("", kind, actor, s.cfg.Clock.NextAfter(last), body)
}

func (s *Service) commandAt(id, kind, actor string, at HLC, body Body) (Command, error) {
	if id == "" {
		id = s.newID(at)
	}
	c, err := NewCommand(id, kind, actor, s.cfg.Node, at, body)
	if err != nil {
		return Command{}, Internal(err)
	}
	return c, nil
}

func (s *Service) append(ctx context.Context, cmds ...Command) error {
	if err := s.cfg.Log.Append(ctx, cmds...); err != nil {
		if e, ok := err.(*Error); ok {
			return e
		}
		return Internal(fmt.Errorf("append %d commands: %w", len(cmds), err))
	}
	return nil
}

func (s *Service) lockDossier(id string) func() {
	h := fnv.New32a()
	h.Write([]byte(id))
	m := &s.locks[h.Sum32()%uint32(len(s.locks))]
	m.Lock()
	return m.Unlock
}

// Bootstrap sets up a new data folder: the commune's identity and the first
// user, admin. On a folder that is already set up it does nothing. It sets
// up the office's founding PC (app/founding.go): this PC is
// recorded as the founder and issues final codes. A PC set up to join an
// office (with its join code) is set up by BootstrapJoining instead.
func (s *Service) Bootstrap(ctx context.Context, commune, agency, adminPassword string) error {
	return s.bootstrap(ctx, commune, agency, adminPassword, s.cfg.Node)
}

// BootstrapJoining sets up a PC that is to join an existing office: it is
// not the founder, so it issues provisional codes until it meets its office
// (or the hub enrols it).
func (s *Service) BootstrapJoining(ctx context.Context, commune, agency, adminPassword string) error {
	return s.bootstrap(ctx, commune, agency, adminPassword, "")
}

func (s *Service) bootstrap(ctx context.Context, commune, agency, adminPassword, founder string) error {
	if _, ok, err := s.cfg.Reader.Commune(); err != nil {
		return Internal(err)
	} else if ok {
		return nil
	}
	if !communePattern.MatchString(commune) {
		return Errorf(EInvalid, "commune", "Mã đơn vị hành chính cấp xã phải gồm 5 chữ số (ví dụ 14701).",
			"the commune code must be 5 digits (e.g. 14701)")
	}
	if agency != "" && !ValidAgencyCode(agency) {
		return Errorf(EInvalid, "agency", "Mã định danh điện tử của cơ quan không hợp lệ (ví dụ 000.00.31.H42 hoặc H15.50.05.12).",
			"the agency electronic ID code is not valid (e.g. 000.00.31.H42 or H15.50.05.12)")
	}
	if len(adminPassword) < 8 {
		return Errorf(EInvalid, "admin_password", "Cần đặt mật khẩu quản trị (XASO_ADMIN_PASSWORD) tối thiểu 8 ký tự.",
			"set the admin password (XASO_ADMIN_PASSWORD), at least 8 characters")
	}
	if e := checkPassword("admin", adminPassword); e != nil {
		e.Field = "admin_password"
		return e
	}
	hash, err := s.hash(ctx, adminPassword)
	if err != nil {
		return err
	}
	conf, err := s.command("", KindCommuneConfigure, "system", &CommuneConfig{Commune: commune, Agency: agency, Founder: founder})
	if err != nil {
		return err
	}
	admin, err := s.command("", KindUserCreate, "system", &UserBody{Username: "admin", FullName: "Quản trị viên",
		Roles: []Role{RoleAdmin}, PasswordHash: hash})
	if err != nil {
		return err
	}
	return s.append(ctx, conf, admin)
}
