package soak

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"net/http"
	"sort"
	"sync"
	"time"
)

// The workload: one desk official per PC, working the commune's year
// through the JSON API (docs/api.md), and provincial IT sending online
// dossiers down from the hub.

type workload struct {
	p     *province
	y     *year
	procs []procedure
	rate  float64 // operations per second per desk at pace 1
	lat   *latencies
	avail *availability
}

// desk is the official at one PC.
type desk struct {
	w   *workload
	x   *pc
	rng *rand.Rand
	n   int
}

func (w *workload) run(ctx context.Context, seed uint64) {
	var wg sync.WaitGroup
	for i, x := range w.p.pcs() {
		d := &desk{w: w, x: x, rng: rand.New(rand.NewPCG(seed, uint64(100+i)))}
		wg.Go(func() { d.run(ctx) })
	}
	for i, c := range w.p.communes {
		rng := rand.New(rand.NewPCG(seed, uint64(900+i)))
		wg.Go(func() { w.online(ctx, c, rng) })
	}
	wg.Wait()
}

// sleep waits for an exponential gap at the year's pace; false when ctx ended.
func (w *workload) sleep(ctx context.Context, rng *rand.Rand, rate float64) bool {
	pace := w.y.pace(w.y.at(time.Now()))
	gap := time.Duration(rng.ExpFloat64() / (rate * pace) * float64(time.Second))
	select {
	case <-ctx.Done():
		return false
	case <-time.After(min(gap, 10*time.Second)):
		return true
	}
}

func (d *desk) run(ctx context.Context) {
	for d.w.sleep(ctx, d.rng, d.w.rate) {
		d.step()
	}
}

func (d *desk) step() {
	l := d.x.c.ledger
	switch k := d.rng.IntN(100); {
	case k < 40:
		d.receive()
	case k < 85:
		if r := l.take(d.x.name, d.rng.IntN, func(r *rec) bool { return next(r) != "" }); r != nil {
			d.advance(r, next(r))
			l.release(r)
		}
	case k < 91:
		if r := l.takeOnline(d.x.name, d.rng.IntN); r != nil {
			d.advance(r, "receive")
			l.release(r)
		}
	case k < 97:
		if r := l.take(d.x.name, d.rng.IntN, func(r *rec) bool { return open(r.status) && len(r.scans) < 3 }); r != nil {
			d.scan(r)
			l.release(r)
		}
	default:
		if r := l.take(d.x.name, d.rng.IntN, func(r *rec) bool {
			return (r.status == "processing" || r.status == "received") && r.acts["apologize"] == 0
		}); r != nil {
			d.advance(r, "apologize")
			l.release(r)
		}
	}
}

// spread is a number 0..n-1 fixed by the dossier's ID: one dossier in n
// takes a given turn (a supplement, no rating).
func spread(id string, n uint32) uint32 {
	h := fnv.New32a()
	h.Write([]byte(id))
	return h.Sum32() % n
}

func open(status string) bool {
	switch status {
	case "received", "processing", "supplement_requested", "result_ready":
		return true
	}
	return false
}

// next is the desk's next step on a dossier, "" when there is none.
func next(r *rec) string {
	switch r.status {
	case "received":
		return "forward"
	case "processing":
		if r.acts["request_supplement"] == 0 && spread(r.id, 5) == 0 {
			return "request_supplement"
		}
		return "resolve"
	case "supplement_requested":
		return "supplement"
	case "result_ready":
		return "return"
	case "returned":
		if !r.rated && spread(r.id, 4) != 0 {
			return "rate"
		}
	}
	return ""
}

// call does one request of the desk, signing in again when the PC lost the
// session, and records its latency and whether the PC served it.
func (d *desk) call(kind, method, path string, body any, key string) (int, []byte, error) {
	for attempt := 0; ; attempt++ {
		d.x.mu.Lock()
		token := d.x.token
		d.x.mu.Unlock()
		t0 := time.Now()
		st, raw, err := do(d.x.client, d.x.url, token, method, path, body, key)
		served := err == nil && st < 500
		d.w.avail.record("pc "+d.x.name, served, t0, fmt.Sprintf("%s %s: %d %v %s", method, path, st, err, tail(raw, 200)))
		if served {
			d.w.lat.add(kind, time.Since(t0))
		}
		if st == http.StatusUnauthorized && attempt < 2 {
			if d.x.signIn() == nil {
				continue
			}
		}
		return st, raw, err
	}
}

// receive hands in a new dossier at the desk.
func (d *desk) receive() {
	proc := d.pickProcedure()
	d.n++
	key := fmt.Sprintf("%s-%d", d.x.name, d.n)
	body := map[string]any{"procedure_code": proc.code, "applicant": applicant(d.rng),
		"documents": []map[string]any{{"name": "Tờ khai", "copies": 1}}}
	if proc.register && d.rng.IntN(10) < 7 {
		body["facts"] = birthFacts(d.rng, d.w.y.at(time.Now()))
	}
	for try := 0; try < 3; try++ { // a retry with the same key never makes a second dossier
		st, raw, err := d.call("receive", "POST", "/api/v1/dossiers", body, key)
		if err != nil || st >= 500 {
			time.Sleep(200 * time.Millisecond)
			continue
		}
		if st != http.StatusCreated {
			d.w.p.ev.add("pc "+d.x.name, "receive %s refused: %d %s", key, st, tail(raw, 300))
			return
		}
		var v view
		if err := json.Unmarshal(raw, &v); err != nil {
			d.w.p.ev.add("pc "+d.x.name, "receive %s: bad answer %v", key, err)
			return
		}
		r := &rec{id: v.ID, code: v.Code, key: key, pc: d.x.name, procedure: proc.code, acts: map[string]int{"receive": 1},
			finalCode: !v.Provisional}
		d.x.c.ledger.add(r)
		d.seen(r, &v)
		return
	}
}

// advance takes action on the dossier (or rates it).
func (d *desk) advance(r *rec, action string) {
	l := d.x.c.ledger
	var st int
	var raw []byte
	var err error
	if action == "rate" {
		ratings := []string{"very_satisfied", "satisfied", "satisfied", "dissatisfied"}
		st, raw, err = d.call("rate", "POST", "/api/v1/dossiers/"+r.code+"/rating", map[string]any{"rating": ratings[d.rng.IntN(len(ratings))], "note": ""}, "")
	} else {
		body := map[string]any{"action": action, "note": ""}
		switch action {
		case "request_supplement":
			body["note"] = "Thiếu bản sao giấy tờ tùy thân"
		case "supplement":
			body["note"] = "Công dân đã bổ sung"
		case "apologize":
			l.mu.Lock()
			due := r.due
			l.mu.Unlock()
			body["note"] = "Xin lỗi công dân vì chậm trả kết quả"
			body["new_due_at"] = time.Time(maxTime(due, time.Now())).Add(72 * time.Hour).Format(time.RFC3339)
		}
		st, raw, err = d.call(action, "POST", "/api/v1/dossiers/"+r.code+"/actions", body, "")
	}
	if err != nil || st >= 300 {
		if st != 0 && st < 500 && st != http.StatusConflict && st != http.StatusNotFound {
			d.w.p.ev.add("pc "+d.x.name, "%s %s refused: %d %s", action, r.code, st, tail(raw, 300))
		}
		d.refresh(r) // applied or not, the desk looks again
		return
	}
	var v view
	if json.Unmarshal(raw, &v) != nil {
		return
	}
	if action == "rate" {
		l.mu.Lock()
		r.rated = true
		l.mu.Unlock()
	} else {
		l.acted(r, action)
	}
	if action == "receive" {
		l.mu.Lock()
		r.pc = d.x.name
		l.mu.Unlock()
	}
	d.seen(r, &v)
}

// refresh reads the dossier again after an answer the desk did not expect.
func (d *desk) refresh(r *rec) {
	st, raw, err := d.call("read", "GET", "/api/v1/dossiers/"+r.code, nil, "")
	if err != nil || st != http.StatusOK {
		return
	}
	var v view
	if json.Unmarshal(raw, &v) == nil {
		d.seen(r, &v)
	}
}

func (d *desk) seen(r *rec, v *view) {
	if back := d.x.c.ledger.seen(r, v, "pc "+d.x.name); back != "" {
		d.w.p.ev.add("pc "+d.x.name, "DUE DATE MOVED BACKWARDS: %s", back)
	}
	if v.RegisterEntry != nil {
		d.x.c.ledger.registered(r, fmt.Sprintf("%s/%d", v.RegisterEntry.Register, v.RegisterEntry.Number))
	}
}

// scan attaches a scanned page (a small JPEG) to the dossier.
func (d *desk) scan(r *rec) {
	img := scanImage(d.rng)
	st, raw, err := d.call("scan", "POST", "/api/v1/dossiers/"+r.code+"/attachments?name=trang.jpg", rawBody{img, "image/jpeg"}, "")
	if err != nil || st/100 != 2 {
		return
	}
	var a struct {
		SHA256 string `json:"sha256"`
	}
	if json.Unmarshal(raw, &a) == nil && a.SHA256 != "" {
		l := d.x.c.ledger
		l.mu.Lock()
		r.scans = append(r.scans, a.SHA256)
		l.mu.Unlock()
	}
}

func (d *desk) pickProcedure() procedure {
	total := 0
	for _, p := range d.w.procs {
		total += p.weight
	}
	k := d.rng.IntN(total)
	for _, p := range d.w.procs {
		if k < p.weight {
			return p
		}
		k -= p.weight
	}
	return d.w.procs[0]
}

// online is provincial IT sending the commune dossiers filed on the
// national portal: a few a day.
func (w *workload) online(ctx context.Context, c *commune, rng *rand.Rand) {
	n := 0
	for w.sleep(ctx, rng, w.rate/6) {
		p := w.procs[rng.IntN(len(w.procs))]
		n++
		body := map[string]any{"procedure_code": p.code, "applicant": applicant(rng),
			"documents": []map[string]any{{"name": "Tờ khai trực tuyến", "copies": 1}}, "submitted_at": time.Now().Format(time.RFC3339)}
		t0 := time.Now()
		var v view
		err := w.p.hub.call("POST", "/api/v1/communes/"+c.code+"/dossiers", body, &v)
		w.avail.record("hub", err == nil || statusOf(err)/100 == 4, t0, fmt.Sprintf("online dossier: %v", err))
		if err != nil {
			continue
		}
		w.lat.add("hub_submit", time.Since(t0))
		r := &rec{id: v.ID, code: v.Code, pc: "", procedure: p.code, acts: map[string]int{}, online: true, status: "submitted"}
		c.ledger.add(r)
		c.ledger.seen(r, &v, "hub")
	}
}

// takeOnline picks an online dossier no desk has taken yet.
func (l *ledger) takeOnline(pc string, pick func(int) int) *rec {
	return l.take("", pick, func(r *rec) bool { return r.online && r.status == "submitted" })
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

var (
	familyNames = []string{"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"}
	middleNames = []string{"Văn", "Thị", "Hữu", "Minh", "Thu", "Đức", "Ngọc", "Quang"}
	givenNames  = []string{"An", "Bình", "Cường", "Dung", "Hà", "Hải", "Hương", "Khánh", "Lan", "Long", "Mai", "Nam", "Phúc", "Quân", "Thảo", "Trang", "Tuấn", "Yến"}
	villages    = []string{"thôn Đông", "thôn Tây", "thôn Trung", "xóm Chùa", "xóm Bến"}
)

func fullName(rng *rand.Rand) string {
	return familyNames[rng.IntN(len(familyNames))] + " " + middleNames[rng.IntN(len(middleNames))] + " " + givenNames[rng.IntN(len(givenNames))]
}

// applicant is a citizen whose chip ID number agrees with their birth:
// province 037, then the century and sex digit (0 a man, 1 a woman born
// in the 1900s; 2 and 3 in the 2000s) and the two last digits of the year.
func applicant(rng *rand.Rand) map[string]any {
	year := 1950 + rng.IntN(55)
	century := 0 // 2 for the 2000s
	if year >= 2000 {
		century = 2
	}
	return map[string]any{"full_name": fullName(rng), "id_number": fmt.Sprintf("037%d%02d%06d", century+rng.IntN(2), year%100, rng.IntN(1000000)),
		"date_of_birth": fmt.Sprintf("%d-%02d-%02d", year, 1+rng.IntN(12), 1+rng.IntN(28)),
		"phone":         fmt.Sprintf("09%08d", rng.IntN(100000000)), "address": villages[rng.IntN(len(villages))]}
}

// birthFacts are the facts of a birth a few days before the simulated day
// (never after the real one: the node checks against its own clock).
func birthFacts(rng *rand.Rand, day time.Time) map[string]any {
	born := minTime(day, time.Now()).AddDate(0, 0, -1-rng.IntN(20))
	sex := []string{"nam", "nữ"}[rng.IntN(2)]
	father := fullName(rng)
	return map[string]any{
		"subject":   map[string]any{"full_name": fullName(rng), "sex": sex},
		"date":      born.Format("2006-01-02"),
		"place":     "Trạm y tế xã",
		"declarant": map[string]any{"full_name": father, "relation": "cha"},
	}
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// scanImage is a small grey JPEG, different each time.
func scanImage(rng *rand.Rand) []byte {
	img := image.NewGray(image.Rect(0, 0, 96, 128))
	for i := range img.Pix {
		img.Pix[i] = uint8(200 + rng.IntN(55))
	}
	img.SetGray(rng.IntN(96), rng.IntN(128), color.Gray{Y: 0})
	var b bytes.Buffer
	jpeg.Encode(&b, img, &jpeg.Options{Quality: 70})
	return b.Bytes()
}

// latencies keeps every served request's duration by kind.
type latencies struct {
	mu sync.Mutex
	by map[string][]time.Duration
}

func (l *latencies) add(kind string, d time.Duration) {
	l.mu.Lock()
	if l.by == nil {
		l.by = map[string][]time.Duration{}
	}
	l.by[kind] = append(l.by[kind], d)
	l.mu.Unlock()
}

// pct returns the percentiles of a kind (all kinds when kind is "").
func (l *latencies) pct(kind string, ps ...float64) (int, []time.Duration) {
	l.mu.Lock()
	var all []time.Duration
	for k, v := range l.by {
		if kind == "" || k == kind {
			all = append(all, v...)
		}
	}
	l.mu.Unlock()
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	out := make([]time.Duration, len(ps))
	if len(all) == 0 {
		return 0, out
	}
	for i, p := range ps {
		out[i] = all[min(len(all)-1, int(p*float64(len(all))))]
	}
	return len(all), out
}

// availability keeps, per process, the stretches during which it did not
// serve (no answer or a 5xx), from the first failure to the next success.
type availability struct {
	mu      sync.Mutex
	since   map[string]time.Time
	why     map[string]string
	outages map[string][]outage
}

type outage struct {
	from, to time.Time
	why      string // the first failure
}

func newAvailability() *availability {
	return &availability{since: map[string]time.Time{}, why: map[string]string{}, outages: map[string][]outage{}}
}

func (a *availability) record(who string, ok bool, at time.Time, why string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	s, failing := a.since[who]
	switch {
	case !ok && !failing:
		a.since[who], a.why[who] = at, why
	case ok && failing && at.After(s):
		a.outages[who] = append(a.outages[who], outage{from: s, to: time.Now(), why: a.why[who]})
		delete(a.since, who)
	}
}

// close ends every open outage now.
func (a *availability) close(now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for who, s := range a.since {
		a.outages[who] = append(a.outages[who], outage{from: s, to: now, why: a.why[who]})
		delete(a.since, who)
	}
}
