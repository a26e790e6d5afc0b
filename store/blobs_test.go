package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"xaso/app"
	"xaso/store"
)

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func TestBlobs(t *testing.T) {
	dir := t.TempDir()
	// A crash in the middle of an upload left a file behind: opening clears it.
	os.MkdirAll(filepath.Join(dir, "tmp"), 0o700)
	os.WriteFile(filepath.Join(dir, "tmp", "up-123"), []byte("half a scan"), 0o600)
	b, err := store.OpenBlobs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(left) != 0 {
		t.Fatalf("unfinished uploads survived opening: %v", left)
	}
	content := bytes.Repeat([]byte("scan "), 1000)
	st, err := b.Stage(bytes.NewReader(content), 10_000)
	if err != nil {
		t.Fatal(err)
	}
	if st.SHA256() != sum(content) || st.Size() != int64(len(content)) {
		t.Fatalf("staged %s %d", st.SHA256(), st.Size())
	}
	if ok, _ := b.HasBlob(st.SHA256()); ok {
		t.Fatal("a staged blob is visible before Commit")
	}
	if err := st.Commit(); err != nil {
		t.Fatal(err)
	}
	again, _ := b.Stage(bytes.NewReader(content), 10_000)
	if err := again.Commit(); err != nil {
		t.Fatal(err)
	}
	rc, err := b.Blob(sum(content))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, content) {
		t.Fatal("blob content differs")
	}
	if _, err := b.Stage(bytes.NewReader(content), 4999); !errors.Is(err, app.ErrBlobTooLarge) {
		t.Errorf("over the limit: %v", err)
	}
	broken := io.MultiReader(bytes.NewReader(content[:100]), iotestErr{})
	if _, err := b.Stage(broken, 10_000); !errors.Is(err, app.ErrUploadBroken) {
		t.Errorf("broken upload: %v", err)
	}
	if err := b.Put(sum([]byte("other")), bytes.NewReader(content), 10_000); err == nil {
		t.Error("Put accepted content under another hash")
	}
	if err := b.Put(sum([]byte("peer")), bytes.NewReader([]byte("peer")), 10_000); err != nil {
		t.Errorf("Put of a peer's blob: %v", err)
	}
	if ok, _ := b.HasBlob("../../etc/passwd"); ok {
		t.Error("HasBlob accepted a path")
	}
	if _, err := b.Blob(sum([]byte("missing"))); app.ErrorCode(err) != app.ENotFound {
		t.Errorf("missing blob: %v", err)
	}
	var files []string
	filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			files = append(files, filepath.Base(p))
		}
		return nil
	})
	slices.Sort(files)
	want := []string{sum(content), sum([]byte("peer"))}
	slices.Sort(want)
	if !slices.Equal(files, want) {
		t.Errorf("folder holds %v, want %v", files, want)
	}
}

type iotestErr struct{}

func (iotestErr) Read([]byte) (int, error) { return 0, errors.New("connection reset by peer") }

// paperCommands: a dossier attached, returned and rated, with a rating
// that arrives from a PC that thought it was not returned yet, a second
// rating, and the same scan attached twice from two PCs.
func paperCommands(t *testing.T) []app.Command {
	t0 := time.Date(2026, 5, 4, 8, 0, 0, 0, app.VN())
	var cs []app.Command
	n := 0
	add := func(node string, min int, kind string, body app.Body) {
		n++
		c, err := app.NewCommand(fmt.Sprintf("paper-cmd-%03d", n), kind, "lan", node,
			app.MakeHLC(t0.Add(time.Duration(min)*time.Minute).UnixMilli(), 0), body)
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	id := "dossier-paper-1"
	scan := app.AttachBody{DossierID: id, SHA256: sum([]byte("scan")), Name: "a.jpg", MediaType: app.MediaJPEG, Size: 4}
	add("n1", 0, app.KindDossierReceive, &app.ReceiveBody{DossierID: id, Code: "000.00.31.H42-260504-0001", Slot: 0, Seq: 1,
		Procedure: app.ProcedureRef{Code: "1.001193", Name: "Đăng ký khai sinh"}, Channel: app.ChannelInPerson,
		Applicant: app.Applicant{FullName: "Lê Văn Tám", IDNumber: "037090001234"}, ReceivedAt: t0, DueAt: t0.Add(8 * time.Hour)})
	add("n2", 1, app.KindDossierRate, &app.RateBody{DossierID: id, Value: app.Dissatisfied}) // before return: a conflict
	add("n1", 2, app.KindDossierAttach, &scan)
	scan2 := scan
	scan2.Name = "b.jpg"
	add("n2", 2, app.KindDossierAttach, &scan2)
	for i, a := range []app.Action{app.ActForward, app.ActResolve, app.ActReturn} {
		add("n1", 10+i, app.KindDossierAct, &app.ActBody{DossierID: id, Action: a})
	}
	add("n1", 20, app.KindDossierRate, &app.RateBody{DossierID: id, Value: app.Satisfied})
	add("n2", 21, app.KindDossierRate, &app.RateBody{DossierID: id, Value: app.VerySatisfied})
	return cs
}

// TestPaperCommandsConverge: attach and rate commands fold into the dossier
// the same whatever order they arrive in.
func TestPaperCommandsConverge(t *testing.T) {
	cs := paperCommands(t)
	var hashes []string
	var dossiers []app.Dossier
	for _, order := range [][]int{{0, 1, 2, 3, 4, 5, 6, 7, 8}, {8, 7, 6, 5, 4, 3, 2, 1, 0}, {3, 7, 0, 5, 1, 8, 2, 6, 4}} {
		s, err := store.Open(store.Config{Dir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range order {
			if err := s.Apply(context.Background(), cs[i]); err != nil {
				t.Fatal(err)
			}
		}
		h, err := s.StateHash()
		if err != nil {
			t.Fatal(err)
		}
		d, err := s.Dossier("dossier-paper-1")
		if err != nil {
			t.Fatal(err)
		}
		hashes, dossiers = append(hashes, h), append(dossiers, d)
		s.Close()
	}
	d := dossiers[0]
	if hashes[0] != hashes[1] || hashes[0] != hashes[2] {
		t.Errorf("state differs by arrival order: %v", hashes)
	}
	if len(d.Attachments) != 1 || d.Attachments[0].Name != "a.jpg" {
		t.Errorf("attachments %+v, want the scan once, as the first PC named it", d.Attachments)
	}
	if d.Rating == nil || d.Rating.Value != app.Satisfied {
		t.Errorf("rating %+v, want the first rating after return", d.Rating)
	}
	var reasons []string
	for _, c := range d.Conflicts {
		reasons = append(reasons, c.Reason)
	}
	if !slices.Equal(reasons, []string{"not_returned", "already_rated"}) {
		t.Errorf("conflicts %v", reasons)
	}
}

// TestClosedIndexBackfill: a store whose idx_closed was never filled (made
// before the index existed) fills it when opened.
func TestClosedIndexBackfill(t *testing.T) {
	dir := t.TempDir()
	s, err := store.Open(store.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(context.Background(), paperCommands(t)...); err != nil {
		t.Fatal(err)
	}
	count := func() (n int) {
		s.DB().View(func(tx *bolt.Tx) error {
			return tx.Bucket([]byte("idx_closed")).ForEach(func(k, v []byte) error { n++; return nil })
		})
		return n
	}
	if count() != 1 {
		t.Fatalf("idx_closed has %d rows, want the returned dossier", count())
	}
	want, _ := s.StateHash()
	s.DB().Update(func(tx *bolt.Tx) error {
		tx.DeleteBucket([]byte("idx_closed"))
		tx.CreateBucket([]byte("idx_closed"))
		return tx.Bucket([]byte("meta")).Delete([]byte("idx_closed_built.v2"))
	})
	s.Close()
	if s, err = store.Open(store.Config{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, _ := s.StateHash(); got != want || count() != 1 {
		t.Errorf("after backfill: %d rows, state hash equal: %v", count(), got == want)
	}
	var seen []string
	from := time.Date(2026, 5, 1, 0, 0, 0, 0, app.VN())
	s.DossiersForPeriod(from, from.AddDate(0, 1, 0), func(d app.Dossier) error { seen = append(seen, d.ID); return nil })
	if !slices.Equal(seen, []string{"dossier-paper-1"}) {
		t.Errorf("period walk saw %v", seen)
	}
}
