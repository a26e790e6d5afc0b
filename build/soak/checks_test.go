package soak

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"time"

	"xaso/app"
)

// report runs the checks at the end of a run and holds its lines: one PASS,
// FAIL or NOT RUN line per invariant, then the figures.
type report struct {
	p                  *province
	w                  *workload
	f                  *faults
	loadStart, loadEnd time.Time
	quietErr           error
	quietFor           time.Duration
	lines              []string
	failed             bool
}

func (r *report) result(name string, problems []string, figures string) {
	if len(problems) == 0 {
		r.lines = append(r.lines, fmt.Sprintf("PASS %s %s", name, figures))
		return
	}
	r.failed = true
	more := ""
	if len(problems) > 5 {
		more = fmt.Sprintf(" (and %d more)", len(problems)-5)
		problems = problems[:5]
	}
	r.lines = append(r.lines, fmt.Sprintf("FAIL %s %s: %s%s", name, figures, strings.Join(problems, "; "), more))
}

// listed is every dossier a PC (or the hub) lists, by ID.
type listed map[string]view

func listAll(get func(path string, out any) error, base string) (listed, error) {
	out := listed{}
	after := ""
	for {
		var page struct {
			Items []view `json:"items"`
			Next  string `json:"next"`
		}
		path := base + "?limit=500"
		if after != "" {
			path += "&after=" + url.QueryEscape(after)
		}
		if err := get(path, &page); err != nil {
			return nil, err
		}
		for _, v := range page.Items {
			out[v.ID] = v
		}
		if page.Next == "" || len(page.Items) == 0 {
			return out, nil
		}
		after = page.Next
	}
}

func (r *report) check() {
	if r.quietErr != nil {
		r.result("quiet", []string{r.quietErr.Error()}, "")
	} else {
		r.result("quiet", nil, fmt.Sprintf("(every office and the hub agreed %v after the heal)", r.quietFor.Round(100*time.Millisecond)))
	}
	var missing, hubMissing, hashProbs, onceProbs, codeProbs, entryProbs, dueProbs, reportProbs []string
	nAcked, nActs, nScans, nEntries := 0, 0, 0, 0
	for _, c := range r.p.communes {
		recs := c.ledger.all()
		views := map[string]listed{}
		hashes := map[string]string{}
		for _, x := range c.pcs {
			l, err := listAll(func(path string, out any) error { return x.call("GET", path, nil, out) }, "/api/v1/dossiers")
			if err != nil {
				missing = append(missing, fmt.Sprintf("pc %s: listing: %v", x.name, err))
				continue
			}
			views[x.name] = l
			var s clusterStatus
			if err := x.call("GET", "/api/v1/cluster?state_hash=1", nil, &s); err != nil {
				hashProbs = append(hashProbs, fmt.Sprintf("pc %s: %v", x.name, err))
			} else {
				hashes[x.name] = s.StateHash
				if s.Cluster != nil {
					hashes[x.name+"#commands"] = fmt.Sprint(s.Cluster.Commands)
				}
			}
		}
		hubList, err := listAll(func(path string, out any) error { return r.p.hub.call("GET", path, nil, out) }, "/api/v1/communes/"+c.code+"/dossiers")
		if err != nil {
			hubMissing = append(hubMissing, fmt.Sprintf("hub %s: listing: %v", c.code, err))
		}
		// Every acknowledged command on every PC of its commune.
		for _, rc := range recs {
			nAcked++
			for _, n := range rc.acts {
				nActs += n
			}
			nScans += len(rc.scans)
			for _, x := range c.pcs {
				if v, ok := views[x.name]; ok {
					if p := lacks(rc, v); p != "" {
						missing = append(missing, fmt.Sprintf("pc %s: %s", x.name, p))
					}
				}
			}
			if hubList != nil {
				if p := lacks(rc, hubList); p != "" {
					hubMissing = append(hubMissing, "hub: "+p)
				}
			}
			if rc.entry != "" {
				nEntries++
			}
		}
		// The hub's views equal each PC's, and it holds each command once.
		var hc struct {
			StateHash string         `json:"state_hash"`
			Commands  int            `json:"commands"`
			Total     int            `json:"total"`
			ByStatus  map[string]int `json:"dossiers_by_status"`
			Overdue   int            `json:"overdue"`
			Processed map[string]int `json:"processed"`
		}
		if err := r.p.hub.call("GET", "/api/v1/communes/"+c.code+"?state_hash=1", nil, &hc); err != nil {
			hashProbs = append(hashProbs, fmt.Sprintf("hub %s: %v", c.code, err))
		}
		for _, x := range c.pcs {
			h, ok := hashes[x.name]
			if !ok {
				continue
			}
			if h != hashes[c.pcs[0].name] {
				hashProbs = append(hashProbs, fmt.Sprintf("commune %s: pc %s state %.12s, pc %s %.12s", c.code, x.name, h, c.pcs[0].name, hashes[c.pcs[0].name]))
			}
			if h != hc.StateHash {
				hashProbs = append(hashProbs, fmt.Sprintf("commune %s: hub state %.12s, pc %s %.12s", c.code, hc.StateHash, x.name, h))
			}
			if n := hashes[x.name+"#commands"]; n != "" && n != fmt.Sprint(hc.Commands) {
				onceProbs = append(onceProbs, fmt.Sprintf("commune %s: hub holds %d commands, pc %s %s", c.code, hc.Commands, x.name, n))
			}
			if v := views[x.name]; v != nil && hubList != nil {
				if d := diffViews(v, hubList); d != "" {
					onceProbs = append(onceProbs, fmt.Sprintf("commune %s: hub's dossiers differ from pc %s's: %s", c.code, x.name, d))
				}
			}
		}
		// No code or entry number twice; no due date moved backwards.
		for _, x := range c.pcs {
			codeProbs = append(codeProbs, uniqueCodes(x.name, views[x.name], recs)...)
			entryProbs = append(entryProbs, uniqueEntries(x.name, views[x.name])...)
			for _, rc := range recs {
				if v, ok := views[x.name][rc.id]; ok && !rc.due.IsZero() && v.DueAt.Before(rc.due) && v.count("supplement") == rc.supps {
					r.dump(x, rc.code)
					dueProbs = append(dueProbs, fmt.Sprintf("pc %s: %s due %s, earlier than the %s a desk saw", x.name, rc.id, v.DueAt.Format(time.RFC3339), rc.due.Format(time.RFC3339)))
				}
			}
		}
		for _, x := range c.pcs {
			for id, v := range views[x.name] {
				if b := v.dueBackwards(); b != "" {
					dueProbs = append(dueProbs, fmt.Sprintf("pc %s: dossier %s (%s): %s", x.name, id, v.Code, b))
				}
			}
		}
		c.ledger.mu.Lock()
		entryProbs = append(entryProbs, c.ledger.dupes...)
		dueProbs = append(dueProbs, c.ledger.dueBack...)
		c.ledger.mu.Unlock()
		// The hub's figures of the commune equal each PC's own.
		reportProbs = append(reportProbs, r.sameFigures(c, hc.Total, hc.ByStatus, hc.Overdue, hc.Processed)...)
	}
	r.result("acknowledged_on_every_pc", missing, fmt.Sprintf("(%d dossiers, %d actions, %d scans acknowledged)", nAcked, nActs, nScans))
	r.result("acknowledged_once_at_hub", append(hubMissing, onceProbs...), "(every acknowledged dossier and action at the hub; its command count and dossier list equal each office's)")
	r.result("same_state", hashProbs, fmt.Sprintf("(state hash of every PC and of the hub, %d communes)", len(r.p.communes)))
	r.result("codes_unique", codeProbs, "(no dossier code on two dossiers; no final code changed)")
	r.result("entries_unique", entryProbs, fmt.Sprintf("(%d register entries acknowledged; no number on two dossiers)", nEntries))
	r.result("due_dates_forward", dueProbs, "(no due date earlier than one a desk was shown, nor in any history, but for the restart of the period at a supplement)")
	r.result("progress_report_equal", reportProbs, "(hub's counts of each commune = each PC's /stats; PCs' progress reports equal)")
	r.checkServing()
	r.lines = append(r.lines, "NOT RUN last_good_version (signed releases and the updater are issue 11: no update is published in this build)")
	var errs []string
	for _, e := range r.f.errs {
		errs = append(errs, e.Error())
	}
	r.result("faults_injected", errs, r.faultFigures())
	r.figures()
}

// lacks says what of rc the listing l does not hold ("" when all).
func lacks(rc *rec, l listed) string {
	v, ok := l[rc.id]
	if !ok {
		return fmt.Sprintf("dossier %s (%s, key %s, from %s) missing", rc.id, rc.code, rc.key, rc.pc)
	}
	have := map[string]int{}
	for _, h := range v.History {
		have[h.Action]++
	}
	for a, n := range rc.acts {
		if have[a] < n {
			return fmt.Sprintf("dossier %s (%s): %d %s acknowledged, %d in its history", rc.id, v.Code, n, a, have[a])
		}
	}
	scans := map[string]bool{}
	for _, a := range v.Attachments {
		scans[a.SHA256] = true
	}
	for _, s := range rc.scans {
		if !scans[s] {
			return fmt.Sprintf("dossier %s (%s): scan %.12s acknowledged, not attached", rc.id, v.Code, s)
		}
	}
	if rc.rated && v.Rating == nil {
		return fmt.Sprintf("dossier %s (%s): rating acknowledged, none recorded", rc.id, v.Code)
	}
	if rc.entry != "" && (v.RegisterEntry == nil || fmt.Sprintf("%s/%d", v.RegisterEntry.Register, v.RegisterEntry.Number) != rc.entry) {
		return fmt.Sprintf("dossier %s (%s): entry %s acknowledged, it names %+v", rc.id, v.Code, rc.entry, v.RegisterEntry)
	}
	return ""
}

// diffViews compares two listings of one commune: the same dossiers with
// the same code, status, due date and history length.
func diffViews(a, b listed) string {
	var only []string
	for id := range a {
		if _, ok := b[id]; !ok {
			only = append(only, id+" ("+a[id].Code+") on the office's side only")
		}
	}
	for id := range b {
		if _, ok := a[id]; !ok {
			only = append(only, id+" ("+b[id].Code+") on the hub's side only")
		}
	}
	if len(only) > 0 {
		sort.Strings(only)
		return fmt.Sprintf("%d dossiers against %d: %s", len(a), len(b), strings.Join(only, ", "))
	}
	for id, v := range a {
		w := b[id]
		if v.Code != w.Code || v.Status != w.Status || !v.DueAt.Equal(w.DueAt) || len(v.History) != len(w.History) {
			return fmt.Sprintf("dossier %s: %s %s %s %d events against %s %s %s %d", id, v.Code, v.Status, v.DueAt.Format(time.RFC3339), len(v.History),
				w.Code, w.Status, w.DueAt.Format(time.RFC3339), len(w.History))
		}
	}
	return ""
}

func uniqueCodes(pc string, l listed, recs []*rec) []string {
	var probs []string
	byCode := map[string]string{}
	for id, v := range l {
		if prev, ok := byCode[v.Code]; ok {
			probs = append(probs, fmt.Sprintf("pc %s: code %s on %s and %s", pc, v.Code, prev, id))
		}
		byCode[v.Code] = id
	}
	for _, rc := range recs {
		if v, ok := l[rc.id]; ok && rc.finalCode && rc.acts["receive"] > 0 && !rc.online && v.Code != rc.code {
			probs = append(probs, fmt.Sprintf("pc %s: dossier %s was given final code %s, now %s", pc, rc.id, rc.code, v.Code))
		}
	}
	sort.Strings(probs)
	return probs
}

func uniqueEntries(pc string, l listed) []string {
	var probs []string
	seen := map[string]string{}
	for id, v := range l {
		if v.RegisterEntry == nil {
			continue
		}
		e := fmt.Sprintf("%s/%d", v.RegisterEntry.Register, v.RegisterEntry.Number)
		if prev, ok := seen[e]; ok {
			probs = append(probs, fmt.Sprintf("pc %s: entry %s named by %s and %s", pc, e, prev, id))
		}
		seen[e] = id
	}
	sort.Strings(probs)
	return probs
}

// sameFigures compares the hub's counts of commune c with each PC's
// dashboard counts, and the PCs' progress reports for the year so far.
func (r *report) sameFigures(c *commune, total int, byStatus map[string]int, overdue int, processed map[string]int) []string {
	var probs []string
	var first []byte
	today := time.Now().In(app.VN()).Format("2006-01-02")
	for _, x := range c.pcs {
		var st struct {
			Total     int            `json:"total"`
			ByStatus  map[string]int `json:"by_status"`
			Overdue   int            `json:"overdue"`
			Processed map[string]int `json:"processed"`
		}
		if err := x.call("GET", "/api/v1/stats", nil, &st); err != nil {
			probs = append(probs, fmt.Sprintf("pc %s: %v", x.name, err))
			continue
		}
		if st.Total != total || !sameCounts(st.ByStatus, byStatus) || st.Overdue != overdue || !sameCounts(st.Processed, processed) {
			probs = append(probs, fmt.Sprintf("commune %s: hub total %d overdue %d %v %v, pc %s total %d overdue %d %v %v",
				c.code, total, overdue, byStatus, processed, x.name, st.Total, st.Overdue, st.ByStatus, st.Processed))
		}
		var rep json.RawMessage
		if err := x.call("GET", "/api/v1/reports/progress?from=2026-01-01&to="+today+"&format=json", nil, &rep); err != nil {
			probs = append(probs, fmt.Sprintf("pc %s: progress report: %v", x.name, err))
			continue
		}
		if first == nil {
			first = rep
		} else if d := diffJSON(first, rep); d != "" {
			probs = append(probs, fmt.Sprintf("commune %s: pc %s's progress report differs from pc %s's: %s", c.code, x.name, c.pcs[0].name, d))
		}
	}
	return probs
}

func sameCounts(a, b map[string]int) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}

// diffJSON names the top-level fields in which two JSON objects differ.
func diffJSON(a, b []byte) string {
	var x, y map[string]any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return "not JSON objects"
	}
	delete(x, "as_of") // when each PC made it
	delete(y, "as_of")
	var out []string
	for k, v := range x {
		if !reflect.DeepEqual(v, y[k]) {
			out = append(out, fmt.Sprintf("%s %v against %v", k, v, y[k]))
		}
	}
	for k := range y {
		if _, ok := x[k]; !ok {
			out = append(out, k+" on one side only")
		}
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// dump writes a dossier as pc x holds it into the event log.
func (r *report) dump(x *pc, code string) {
	_, raw, err := do(x.client, x.url, x.token, "GET", "/api/v1/dossiers/"+code, nil, "")
	r.p.ev.add("pc "+x.name, "dossier %s as this PC holds it: %s %v", code, raw, err)
}
