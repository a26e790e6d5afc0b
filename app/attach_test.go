package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"sync"
	"testing"

	"xaso/app"
)

// scan is a small PNG whose content differs with seed.
func scan(t *testing.T, seed int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 20, 10))
	img.Set(seed%20, (seed/20)%10, color.RGBA{R: uint8(seed), G: uint8(seed >> 8), A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// gated is an upload that stops at its first read until released: the
// service has then checked the dossier once and is reading the file.
type gated struct {
	r       io.Reader
	entered chan struct{}
	release chan struct{}
	once    sync.Once
}

func (g *gated) Read(p []byte) (int, error) {
	g.once.Do(func() { close(g.entered); <-g.release })
	return g.r.Read(p)
}

// TestAttachLimitUnderLock: two uploads that both saw room for one more
// file cannot both be linked; the second finds the dossier full under its
// lock.
func TestAttachLimitUnderLock(t *testing.T) {
	d := newDesk(t, vn(2026, 3, 2, 8, 0))
	d.receive("D1", "1.004873", app.ChannelInPerson)
	dos, err := d.svc.DossierByCode(d.codes["D1"])
	if err != nil {
		t.Fatal(err)
	}
	cmds := make([]app.Command, 0, app.MaxAttachments-1)
	for i := range app.MaxAttachments - 1 {
		sum := sha256.Sum256([]byte(fmt.Sprint("linked ", i)))
		c, err := app.NewCommand(app.RandomID(), app.KindDossierAttach, "mai", d.st.NodeID(), d.clock.Next(),
			&app.AttachBody{DossierID: dos.ID, SHA256: hex.EncodeToString(sum[:]), Name: "scan", MediaType: app.MediaPNG, Size: 100})
		if err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, c)
	}
	if err := d.st.Append(context.Background(), cmds...); err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	uploads := []*gated{
		{r: bytes.NewReader(scan(t, 1)), entered: make(chan struct{}), release: release},
		{r: bytes.NewReader(scan(t, 2)), entered: make(chan struct{}), release: release},
	}
	type result struct {
		created bool
		err     error
	}
	results := make(chan result, len(uploads))
	for _, u := range uploads {
		go func() {
			_, created, err := d.svc.Attach(context.Background(), d.p, d.codes["D1"], "scan.png", u)
			results <- result{created, err}
		}()
	}
	for _, u := range uploads {
		<-u.entered // both passed the first check with 99 files linked
	}
	close(release)
	var created, full int
	for range uploads {
		r := <-results
		switch {
		case r.err == nil && r.created:
			created++
		case app.ErrorCode(r.err) == app.EConflict:
			full++
		default:
			t.Errorf("attach: created %v, %v", r.created, r.err)
		}
	}
	if created != 1 || full != 1 {
		t.Fatalf("%d linked and %d refused as full, want 1 and 1", created, full)
	}
	dos, err = d.svc.DossierByCode(d.codes["D1"])
	if err != nil {
		t.Fatal(err)
	}
	if len(dos.Attachments) != app.MaxAttachments {
		t.Fatalf("%d attachments, want %d", len(dos.Attachments), app.MaxAttachments)
	}
}

// TestMissingDossierID: a dossier ID that names no dossier answers
// not_found wherever a code is taken.
func TestMissingDossierID(t *testing.T) {
	d := newDesk(t, vn(2026, 3, 2, 8, 0))
	const id = "ffffffffffffffff0000000000000099"
	ctx := context.Background()
	_, err := d.svc.DossierByCode(id)
	check := func(what string, err error) {
		t.Helper()
		if app.ErrorCode(err) != app.ENotFound {
			t.Errorf("%s: %v, want %s", what, err, app.ENotFound)
		}
	}
	check("DossierByCode", err)
	_, err = d.svc.Act(ctx, d.p, id, app.ActInput{Action: app.ActForward})
	check("Act", err)
	_, _, err = d.svc.Attach(ctx, d.p, id, "scan.png", bytes.NewReader(scan(t, 1)))
	check("Attach", err)
	_, err = d.svc.Rate(ctx, d.p, id, app.RateInput{Rating: app.Satisfied})
	check("Rate", err)
	_, _, err = d.svc.AttachmentContent(d.p, id, hex.EncodeToString(make([]byte, 32)))
	check("AttachmentContent", err)
}
