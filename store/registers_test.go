package store

import (
	"math/rand/v2"
	"testing"
	"time"

	"xaso/app"
)

// registerScenario: two PCs apart open the same book and enter births from
// their slots' blocks; one corrects an entry, one annotates it, one issues
// an extract; a stale correction (wrong old value) and an entry under a
// number already taken are kept as conflicts.
func registerScenario(t testing.TB) []app.Command {
	g := &gen{at: t0}
	open := func(node, book string) app.Command {
		return g.cmd(t, app.KindRegisterOpen, "lead", node, time.Minute,
			&app.RegisterBody{Register: "birth-2026", Kind: app.RegBirth, Year: 2026, Book: book})
	}
	entry := func(node string, slot, n int, child string) app.Command {
		return g.cmd(t, app.KindEntryCreate, "lead", node, time.Minute, &app.EntryBody{Register: "birth-2026",
			Kind: app.RegBirth, Year: 2026, Book: "01", Number: n, Slot: slot, RegisteredAt: g.at,
			Facts: app.Facts{Subject: app.Person{FullName: child, Sex: "nữ"}, Date: "2026-02-20", Place: "Yên Mô",
				Declarant: app.Declarant{FullName: "Lê Văn Cường"}}})
	}
	change := func(node, kind string, n int, b app.EntryChangeBody) app.Command {
		b.Register, b.Number = "birth-2026", n
		return g.cmd(t, kind, "spec", node, time.Minute, &b)
	}
	return []app.Command{
		open("na", "01"), open("nb", "01"), open("nb", "02"),
		entry("na", 0, 1, "Lê Thị Hoa"), entry("nb", 4, 4000, "Trần Văn Bình"), entry("na", 0, 2, "Phạm Thị Cúc"),
		entry("nb", 4, 4001, "Đỗ Văn Dũng"), entry("nb", 0, 1, "Ai Khác"), // slot 0 is na's: a clash, kept
		change("na", app.KindEntryCorrect, 1, app.EntryChangeBody{Field: "subject.full_name", Old: "Lê Thị Hoa", New: "Lê Thị Huệ", Note: "sai chính tả"}),
		change("nb", app.KindEntryCorrect, 1, app.EntryChangeBody{Field: "subject.full_name", Old: "Lê Thị Hoa", New: "Lê Thị Hòa", Note: "cũ"}),
		change("nb", app.KindEntryAnnotate, 4000, app.EntryChangeBody{Note: "Đã cấp bản chính"}),
		change("na", app.KindEntryExtract, 2, app.EntryChangeBody{Copies: 2, FeeVND: 8000}),
		change("nb", app.KindEntryExtract, 2, app.EntryChangeBody{Copies: 1}),
	}
}

// TestRegisterConvergence: the registers' folds give the same bytes in any
// order and batch, re-applying changes nothing, and conflicts are kept.
func TestRegisterConvergence(t *testing.T) {
	cs := registerScenario(t)
	ref := openTest(t)
	applyAll(t, ref, cs, 1)
	want := hash(t, ref)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 20 {
		order := append([]app.Command(nil), cs...)
		rng.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
		s := openTest(t)
		applyAll(t, s, order, 1+rng.IntN(4))
		applyAll(t, s, order[:len(order)/2], 2)
		if got := hash(t, s); got != want {
			t.Fatalf("order %d: state hash %s, want %s", i, got, want)
		}
	}
	b, ok, err := ref.Book("birth-2026")
	if err != nil || !ok || b.Book != "01" || len(b.Conflicts) != 1 {
		t.Fatalf("book %+v %v %v: want book 01 with the other number kept as a conflict", b, ok, err)
	}
	e, err := ref.Entry("birth-2026", 1)
	if err != nil {
		t.Fatal(err)
	}
	if e.Facts.Subject.FullName != "Lê Thị Hoa" || e.Current.Subject.FullName != "Lê Thị Huệ" || len(e.Conflicts) != 2 {
		t.Errorf("entry 1: %q → %q, conflicts %+v; want the clash and the stale correction kept", e.Facts.Subject.FullName,
			e.Current.Subject.FullName, e.Conflicts)
	}
	if e, _ := ref.Entry("birth-2026", 2); len(e.Extracts) != 2 || e.Extracts[0].No != 1 || e.Extracts[1].No != 2 {
		t.Errorf("entry 2 extracts %+v", e.Extracts)
	}
	if n, _ := ref.BookEntryCount("birth-2026"); n != 4 {
		t.Errorf("%d entries, want 4", n)
	}
	for slot, want := range map[int]int{0: 2, 4: 4001, 7: 0} {
		if got, _ := ref.MaxEntry("birth-2026", slot); got != want {
			t.Errorf("max entry of slot %d: %d, want %d", slot, got, want)
		}
	}
}
