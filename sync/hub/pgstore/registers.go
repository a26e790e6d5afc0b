package pgstore

import (
	"xaso/app"
)

// Digitising counts the progress of the commune's old books from the books
// and entries folded here (the entities table), as the office counts it.
func (c *communeLog) Digitising() (app.DigitiseProgress, error) {
	return app.DigitisingProgress(bookStates{c})
}

// bookStates reads the folded books and entries of one commune for
// app.DigitisingProgress, from the dashboard's read pool.
type bookStates struct{ c *communeLog }

func (r bookStates) Books() ([]app.Book, error) {
	return listDocs[app.Book](r.c.db, r.c.db.read, `SELECT doc FROM entities WHERE commune = $1 AND target = $2 ORDER BY entity`,
		r.c.code, string(app.TargetRegister))
}

func (r bookStates) EntryStates(register string, fn func(app.Entry) error) error {
	es, err := listDocs[app.Entry](r.c.db, r.c.db.read, `SELECT doc FROM entities WHERE commune = $1 AND target = $2
		AND starts_with(entity, $3) ORDER BY entity`, r.c.code, string(app.TargetEntry), "entry/"+register+"/")
	if err != nil {
		return err
	}
	for _, e := range es {
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}
