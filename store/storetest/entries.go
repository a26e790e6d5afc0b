package storetest

import (
	"fmt"
	"math/rand/v2"
	"time"

	"xaso/app"
)

// Entries returns the commands of a commune's century of civil-status
// books holding n entries: for each of the 100 years before end's, a birth,
// a death and a marriage book (opened by register.open), and their entries
// (entry.create), about 60% births, 25% deaths, 15% marriages, numbered
// from 1 in each book. Deterministic for a seed and end.
func Entries(n int, seed uint64, end time.Time) []app.Command {
	r := rand.New(rand.NewPCG(seed, seed^0x51ed2701f3a5c2b9))
	kinds := []struct {
		kind  app.RegisterKind
		share int // per 100 entries
	}{{app.RegBirth, 60}, {app.RegDeath, 25}, {app.RegMarriage, 15}}
	last := end.In(app.VN()).Year() - 1
	cmds := make([]app.Command, 0, n+300)
	k := 0
	// The commands are recent (a century typed in), one a second up to end;
	// the books' dates are in the facts and the registration dates.
	stamp := func() app.HLC {
		return app.MakeHLC(end.Add(-time.Duration(n+300-len(cmds))*time.Second).UnixMilli(), 0)
	}
	for year := last - 99; year <= last; year++ {
		for _, kd := range kinds {
			m := n * kd.share / 100 / 100
			if year == last { // the remainder goes to the last year
				m = n*kd.share/100 - m*99
			}
			if kd.kind == app.RegMarriage && year == last {
				m = n - k // whatever is left makes n in all
			}
			id := app.RegisterID(kd.kind, year)
			opened := time.Date(year, 1, 2, 8, 0, 0, 0, app.VN())
			c, err := app.NewCommand("bench-open-"+id, app.KindRegisterOpen, "leader", "nbench", stamp(),
				&app.RegisterBody{Register: id, Kind: kd.kind, Year: year, Book: "01"})
			if err != nil {
				panic(err)
			}
			cmds = append(cmds, c)
			for i := 1; i <= m; i++ {
				at := opened.Add(time.Duration(i) * 364 * 24 * time.Hour / time.Duration(m+1))
				body := &app.EntryBody{Register: id, Kind: kd.kind, Year: year, Book: "01", Number: i, Slot: i / app.SlotNumbers,
					Facts: facts(r, kd.kind, at), RegisteredAt: at}
				c, err := app.NewCommand(fmt.Sprintf("bench-entry-%s-%05d", id, i), app.KindEntryCreate, "leader", "nbench",
					stamp(), body)
				if err != nil {
					panic(err)
				}
				cmds = append(cmds, c)
				k++
			}
		}
	}
	return cmds
}

// facts are plausible facts of an entry of kind registered at at.
func facts(r *rand.Rand, kind app.RegisterKind, at time.Time) app.Facts {
	day := at.AddDate(0, 0, -r.IntN(50)).Format("2006-01-02")
	f := app.Facts{Subject: app.Person{FullName: Name(r), Sex: []string{"nam", "nữ"}[r.IntN(2)], Ethnicity: "Kinh", Nationality: "Việt Nam"},
		Date: day, Place: "Xã Yên Mô, tỉnh Ninh Bình", Declarant: app.Declarant{FullName: Name(r), Relation: "cha"}}
	switch kind {
	case app.RegBirth:
		f.Subject.DateOfBirth = day
		f.Mother = &app.Person{FullName: Name(r), DateOfBirth: at.AddDate(-25, 0, 0).Format("2006-01-02")}
		f.Father = &app.Person{FullName: Name(r)}
	case app.RegDeath:
		f.Subject.DateOfBirth = at.AddDate(-60-r.IntN(30), 0, 0).Format("2006-01-02")
		f.Subject.Residence = "Thôn Bắc, xã Yên Mô"
	case app.RegMarriage:
		f.Partner = &app.Person{FullName: Name(r), Sex: "nữ", DateOfBirth: at.AddDate(-24, 0, 0).Format("2006-01-02")}
	}
	return f
}
