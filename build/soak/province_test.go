package soak

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"xaso/build/testkit"
	"xaso/store/powercut"
	"xaso/sync/netns"
	"xaso/sync/peer"
)

// The province of a run: one lab (sync/netns) whose node 1 runs the hub and
// whose other nodes are the communes' PCs, all on one switch.

const (
	hubPassword   = "Tinh-NinhBinh-2026!"
	adminPassword = "Xa-Soak-Quantri-2026!"
	deskPassword  = "Mot-Cua-Soak-2026!"
	httpPort      = 8420
	peerPort      = 8421
	hubPort       = 8430
)

type province struct {
	lab      *netns.Lab
	bin      string
	root     string // the run's folder: data, disks, process output
	ev       *events
	hub      *hub
	communes []*commune
	rss      *rssWatch
}

// hub is the provincial hub: `xaso hub` on lab node 1, bbolt in its folder.
type hub struct {
	p      *province
	dir    string
	url    string
	client *http.Client
	mu     sync.Mutex
	proc   *netns.Proc
	token  string // provincial IT, signed in
}

type commune struct {
	code, agency string
	secret       string // the office's join code
	enrol        string // the hub's enrolment token
	pcs          []*pc
	ledger       *ledger
}

// pc is one office PC: `xaso serve` on its own lab node and its own disk.
type pc struct {
	p       *province
	c       *commune
	name    string // "14701/2": commune and PC number
	node    int
	disk    *disk
	client  *http.Client
	url     string
	peer    string // HOST:PORT of its Raft and peer traffic
	mu      sync.Mutex
	proc    *netns.Proc
	offset  time.Duration // the clock offset it runs with (a fault)
	token   string        // the desk official's session
	started time.Time
}

// disk is where a PC keeps its data folder: a plain folder, the power-cut
// FUSE disk (store/powercut), or a tmpfs of its own that a fault can fill.
type disk struct {
	kind    string // plain | powercut | tmpfs
	root    string
	data    string
	cut     *powercut.Disk
	backing string // powercut: the folder that survives
	mnt     string // powercut or tmpfs: the mount point
}

const (
	diskPlain    = "plain"
	diskPowercut = "powercut"
	diskTmpfs    = "tmpfs"
)

func newDisk(root, kind string) (*disk, error) {
	d := &disk{kind: kind, root: root}
	switch kind {
	case diskPlain:
		d.data = filepath.Join(root, "data")
		return d, os.MkdirAll(root, 0o755)
	case diskPowercut:
		d.backing, d.mnt = filepath.Join(root, "backing"), filepath.Join(root, "mnt")
		d.data = filepath.Join(d.mnt, "data")
		for _, dir := range []string{d.backing, d.mnt} {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, err
			}
		}
		return d, d.mount()
	case diskTmpfs:
		d.mnt = filepath.Join(root, "tmpfs")
		d.data = filepath.Join(d.mnt, "data")
		if err := os.MkdirAll(d.mnt, 0o755); err != nil {
			return nil, err
		}
		if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=512m", "tmpfs", d.mnt).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("mount tmpfs: %v %s", err, out)
		}
		return d, nil
	}
	return nil, fmt.Errorf("no disk kind %q", kind)
}

func (d *disk) mount() error {
	cut, err := powercut.Mount(d.backing, d.mnt)
	if err != nil {
		return err
	}
	d.cut = cut
	return nil
}

// detach unmounts the power-cut disk lazily. Its Unmount would wait until
// no mount namespace holds the disk, and every process the lab started
// after it was mounted holds a copy (`ip netns exec` copies the host's
// mounts): the copies keep the old FUSE connection, which answers EIO.
func (d *disk) detach() error {
	if err := syscall.Unmount(d.mnt, syscall.MNT_DETACH); err != nil {
		return fmt.Errorf("unmount %s: %w", d.mnt, err)
	}
	return nil
}

// filler is the file a full-disk fault writes until the tmpfs is full.
func (d *disk) filler() string { return filepath.Join(d.mnt, "filler") }

// used is what the data folder holds, in bytes.
func (d *disk) used() int64 {
	dir := d.data
	if d.kind == diskPowercut {
		dir = filepath.Join(d.backing, "data")
	}
	var n int64
	filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			n += info.Size()
		}
		return nil
	})
	return n
}

func (d *disk) close() {
	switch d.kind {
	case diskPowercut:
		if d.cut != nil {
			d.cut.PowerOff()
			d.detach()
		}
	case diskTmpfs:
		exec.Command("umount", "-l", d.mnt).Run()
	}
}

// openProvince builds the lab and the folders; nothing runs yet. sizes
// gives each commune's number of PCs; kinds picks each PC's disk in turn.
func openProvince(root string, lab *netns.Lab, bin string, ev *events, sizes []int, kinds []string) (*province, error) {
	p := &province{lab: lab, bin: bin, root: root, ev: ev, rss: newRSSWatch()}
	p.hub = &hub{p: p, dir: filepath.Join(root, "hub"), url: fmt.Sprintf("http://%s:%d", lab.Addr(1), hubPort), client: lab.HTTPClient(1)}
	units := pickCommunes(len(sizes))
	node, k := 2, 0
	for ci, size := range sizes {
		c := &commune{code: units[ci], agency: fmt.Sprintf("000.00.%02d.H42", 31+ci), secret: peer.NewJoinCode(), ledger: newLedger()}
		for j := 1; j <= size; j++ {
			kind := kinds[k%len(kinds)]
			k++
			d, err := newDisk(filepath.Join(root, fmt.Sprintf("pc-%s-%d", c.code, j)), kind)
			if err != nil {
				p.close()
				return nil, err
			}
			addr := lab.Addr(node).String()
			c.pcs = append(c.pcs, &pc{p: p, c: c, name: fmt.Sprintf("%s/%d", c.code, j), node: node, disk: d,
				client: lab.HTTPClient(node), url: fmt.Sprintf("http://%s:%d", addr, httpPort), peer: fmt.Sprintf("%s:%d", addr, peerPort)})
			node++
		}
		p.communes = append(p.communes, c)
	}
	return p, nil
}

// pickCommunes takes n commune codes of the built-in list, spread over it.
func pickCommunes(n int) []string {
	all := communeCodes()
	out := make([]string, n)
	for i := range out {
		out[i] = all[(i*7)%len(all)]
	}
	return out
}

func (p *province) pcs() []*pc {
	var out []*pc
	for _, c := range p.communes {
		out = append(out, c.pcs...)
	}
	return out
}

func (p *province) close() {
	for _, c := range p.communes {
		for _, x := range c.pcs {
			x.mu.Lock()
			if x.proc != nil {
				x.proc.Kill()
			}
			x.mu.Unlock()
			x.disk.close()
		}
	}
}

// start runs the hub and waits until it answers; it signs provincial IT in.
func (h *hub) start() error {
	h.mu.Lock()
	proc, err := h.p.lab.Start(1, h.p.bin, []string{"hub", "--data", h.dir, "--listen", fmt.Sprintf("%s:%d", h.p.lab.Addr(1), hubPort)},
		[]string{"XASO_HUB_ADMIN_PASSWORD=" + hubPassword})
	if err == nil {
		h.proc = proc
		h.p.rss.track("hub", proc)
	}
	h.mu.Unlock()
	if err != nil {
		return err
	}
	h.p.ev.add("hub", "started (pid %d)", proc.Pid())
	if err := waitUp(h.client, h.url, proc, 60*time.Second); err != nil {
		return fmt.Errorf("hub: %w", err)
	}
	var out struct {
		Token string `json:"token"`
	}
	if err := h.call("POST", "/api/v1/sessions", map[string]string{"username": "admin", "password": hubPassword}, &out); err != nil {
		return err
	}
	h.mu.Lock()
	h.token = out.Token
	h.mu.Unlock()
	return nil
}

func (h *hub) process() *netns.Proc {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.proc
}

// call is one request of provincial IT to the hub; out may be nil.
func (h *hub) call(method, path string, body, out any) error {
	h.mu.Lock()
	token := h.token
	h.mu.Unlock()
	st, raw, err := do(h.client, h.url, token, method, path, body, "")
	if err != nil {
		return err
	}
	if st/100 != 2 {
		return &httpError{status: st, body: raw}
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// args is the command line of the PC as it runs now.
func (x *pc) args() []string {
	a := []string{"serve", "--data", x.disk.data, "--listen", strings.TrimPrefix(x.url, "http://"),
		"--commune", x.c.code, "--agency", x.c.agency, "--peer-listen", x.peer, "--raft-fast", "--no-mdns",
		"--hub", x.p.hub.url}
	for _, o := range x.c.pcs {
		if o != x {
			a = append(a, "--peer", o.peer)
		}
	}
	if x.offset != 0 {
		a = append(a, "--clock-offset="+x.offset.String())
	}
	return a
}

// start runs the PC's process and waits until it answers /health.
func (x *pc) start(timeout time.Duration) error {
	x.mu.Lock()
	if x.proc != nil && !x.proc.Exited() {
		x.mu.Unlock()
		return fmt.Errorf("pc %s already runs", x.name)
	}
	env := []string{"XASO_ADMIN_PASSWORD=" + adminPassword, "XASO_JOIN_SECRET=" + x.c.secret, "XASO_ENROL_TOKEN=" + x.c.enrol}
	proc, err := x.p.lab.Start(x.node, x.p.bin, x.args(), env)
	if err == nil {
		x.proc, x.started = proc, time.Now()
		x.p.rss.track("pc "+x.name, proc)
	}
	x.mu.Unlock()
	if err != nil {
		return err
	}
	x.p.ev.add("pc "+x.name, "started (pid %d, disk %s, clock offset %v)", proc.Pid(), x.disk.kind, x.offset)
	return waitUp(x.client, x.url, proc, timeout)
}

func (x *pc) process() *netns.Proc {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.proc
}

// running reports whether the PC's process is alive.
func (x *pc) running() bool {
	p := x.process()
	return p != nil && !p.Exited()
}

// kill sends SIGKILL and waits for the exit.
func (x *pc) kill() {
	if p := x.process(); p != nil {
		x.p.rss.sample("pc "+x.name, p)
		p.Kill()
	}
}

// call is one request with the PC's desk session (admin=true: as admin).
func (x *pc) call(method, path string, body, out any) error {
	x.mu.Lock()
	token := x.token
	x.mu.Unlock()
	st, raw, err := do(x.client, x.url, token, method, path, body, "")
	if err != nil {
		return err
	}
	if st/100 != 2 {
		return &httpError{status: st, body: raw}
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// signIn signs the desk official in on this PC (made once per commune,
// it may take a moment to reach a PC that just joined).
func (x *pc) signIn() error {
	var out struct {
		Token string `json:"token"`
	}
	st, raw, err := do(x.client, x.url, "", "POST", "/api/v1/sessions", map[string]string{"username": "motcua", "password": deskPassword}, "")
	if err != nil {
		return err
	}
	if st != http.StatusCreated {
		return &httpError{status: st, body: raw}
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return err
	}
	x.mu.Lock()
	x.token = out.Token
	x.mu.Unlock()
	return nil
}

// waitUp waits until url answers /api/v1/health, or the process exits.
func waitUp(client *http.Client, url string, proc *netns.Proc, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		st, _, err := do(client, url, "", "GET", "/api/v1/health", nil, "")
		if err == nil && st == http.StatusOK {
			return nil
		}
		if proc.Exited() {
			return fmt.Errorf("exited: %v: %s", proc.Wait(), tail(proc.Stderr(), 800))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no answer after %v: %v %d", timeout, err, st)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// httpError is an answer other than 2xx.
type httpError struct {
	status int
	body   []byte
}

func (e *httpError) Error() string { return fmt.Sprintf("%d %s", e.status, bytes.TrimSpace(e.body)) }

// code is the API error code of an answer ("" when none).
func (e *httpError) code() string {
	var out struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	json.Unmarshal(e.body, &out)
	return out.Error.Code
}

func statusOf(err error) int {
	var he *httpError
	if errors.As(err, &he) {
		return he.status
	}
	return 0
}

// do is one HTTP request with a JSON body (or raw bytes with contentType).
func do(client *http.Client, base, token, method, path string, body any, key string) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case rawBody:
		rd, ct = bytes.NewReader(b.data), b.contentType
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return 0, nil, err
		}
		rd, ct = bytes.NewReader(raw), "application/json"
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	return res.StatusCode, raw, err
}

// rawBody is a request body sent as it is (a scan).
type rawBody struct {
	data        []byte
	contentType string
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// rssWatch keeps each process's peak resident memory (VmHWM, read while
// it runs and just before a kill).
type rssWatch struct {
	mu   sync.Mutex
	peak map[string]float64
	live map[string]*netns.Proc
}

func newRSSWatch() *rssWatch {
	return &rssWatch{peak: map[string]float64{}, live: map[string]*netns.Proc{}}
}

func (w *rssWatch) track(name string, p *netns.Proc) {
	w.mu.Lock()
	w.live[name] = p
	w.mu.Unlock()
}

func (w *rssWatch) sample(name string, p *netns.Proc) {
	if p == nil || p.Exited() {
		return
	}
	mb := testkit.StatusMB(p.Pid(), "VmHWM:")
	w.mu.Lock()
	w.peak[name] = max(w.peak[name], mb)
	w.mu.Unlock()
}

// sampleAll reads every live process once.
func (w *rssWatch) sampleAll() {
	w.mu.Lock()
	live := make(map[string]*netns.Proc, len(w.live))
	for k, v := range w.live {
		live[k] = v
	}
	w.mu.Unlock()
	for name, p := range live {
		w.sample(name, p)
	}
}
