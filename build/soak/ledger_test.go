package soak

import (
	"fmt"
	"sort"
	"sync"
	"time"
)

// ledger is what the desks of one commune were told: every acknowledged
// receipt, action, scan and rating, by dossier ID. The checks hold every
// PC and the hub to it.
type ledger struct {
	mu      sync.Mutex
	recs    map[string]*rec // dossier ID → what was acknowledged
	online  []string        // IDs the hub acknowledged, not yet taken at a desk
	entries map[string]string
	dueBack []string // due dates seen moving backwards
	dupes   []string // entry numbers acknowledged twice
}

// rec is one dossier as the desks were told.
type rec struct {
	id, code, key string
	pc            string // the PC whose desk received it ("hub" for online ones)
	procedure     string
	status        string
	acts          map[string]int // action → acknowledged times
	due           time.Time      // the latest due date seen
	entry         string         // "birth-2026/1002" once registered
	scans         []string       // SHA-256 of the scans acknowledged
	rated         bool
	online        bool
	finalCode     bool // the code acknowledged was final (not provisional): it never changes
	busy          bool // a desk works on it now
	supps         int  // supplements in the latest view: each restarts the period
}

func newLedger() *ledger {
	return &ledger{recs: map[string]*rec{}, entries: map[string]string{}}
}

// seen records a view of the dossier a PC answered with: its status, and
// its due date, which may only move later.
func (l *ledger) seen(r *rec, v *view, who string) (back string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if v.Status != "" {
		r.status = v.Status
	}
	if n := v.count("supplement"); n > r.supps {
		// The complete dossier came back: the statutory period restarts
		// from it (Decree 61/2018 art. 19(4)), which may be earlier than a
		// date an apology gave.
		r.supps, r.due = n, v.DueAt
		return ""
	}
	if !v.DueAt.IsZero() {
		if !r.due.IsZero() && v.DueAt.Before(r.due) {
			back = r.id + " (" + r.code + ") due " + r.due.Format(time.RFC3339) + " → " + v.DueAt.Format(time.RFC3339) + " at " + who
			l.dueBack = append(l.dueBack, back)
		} else {
			r.due = v.DueAt
		}
	}
	if v.Code != "" {
		r.code = v.Code
	}
	return back
}

// take picks a dossier of pc's desk that is not being worked on (online
// ones are anyone's), or nil.
func (l *ledger) take(pc string, pick func(n int) int, ok func(*rec) bool) *rec {
	l.mu.Lock()
	defer l.mu.Unlock()
	var cands []*rec
	for _, r := range l.recs {
		if !r.busy && r.pc == pc && ok(r) {
			cands = append(cands, r)
		}
	}
	if len(cands) == 0 {
		return nil
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i].id < cands[j].id })
	r := cands[pick(len(cands))]
	r.busy = true
	return r
}

func (l *ledger) release(r *rec) {
	l.mu.Lock()
	r.busy = false
	l.mu.Unlock()
}

func (l *ledger) acted(r *rec, action string) {
	l.mu.Lock()
	r.acts[action]++
	l.mu.Unlock()
}

func (l *ledger) add(r *rec) {
	l.mu.Lock()
	l.recs[r.id] = r
	l.mu.Unlock()
}

// registered records an acknowledged register entry; a number given to
// two dossiers is a failure.
func (l *ledger) registered(r *rec, entry string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if prev, ok := l.entries[entry]; ok && prev != r.id {
		l.dupes = append(l.dupes, entry+" given to "+prev+" and "+r.id)
	}
	l.entries[entry] = r.id
	r.entry = entry
}

func (l *ledger) all() []*rec {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]*rec, 0, len(l.recs))
	for _, r := range l.recs {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// view is the part of a dossier the soak reads.
type view struct {
	ID          string    `json:"id"`
	Code        string    `json:"code"`
	Provisional bool      `json:"provisional"`
	Status      string    `json:"status"`
	DueAt       time.Time `json:"due_at"`
	Channel     string    `json:"channel"`
	History     []struct {
		Action string    `json:"action"`
		DueAt  time.Time `json:"due_at"`
	} `json:"history"`
	Attachments []struct {
		SHA256 string `json:"sha256"`
	} `json:"attachments"`
	Rating        *struct{} `json:"rating"`
	RegisterEntry *struct {
		Register string `json:"register"`
		Number   int    `json:"number"`
	} `json:"register_entry"`
	Conflicts []any `json:"conflicts"`
}

// count is how many events of the action the dossier's history holds.
func (v *view) count(action string) int {
	n := 0
	for _, h := range v.History {
		if h.Action == action {
			n++
		}
	}
	return n
}

// dueBackwards names the first event of the history that moved the due
// date earlier, other than a supplement's restart of the period ("" when
// none).
func (v *view) dueBackwards() string {
	var due time.Time
	for i, h := range v.History {
		if h.DueAt.IsZero() {
			continue
		}
		if h.Action != "supplement" && !due.IsZero() && h.DueAt.Before(due) {
			return fmt.Sprintf("event %d (%s) moved the due date from %s to %s", i, h.Action, due.Format(time.RFC3339), h.DueAt.Format(time.RFC3339))
		}
		due = h.DueAt
	}
	return ""
}
