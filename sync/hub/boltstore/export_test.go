package boltstore

import (
	"xaso/app"
	"xaso/sync/hub"
)

// CrashAppendDown leaves the storage as a hub killed inside AppendDown
// does at its worst point: the command kept in the down log (hub.db,
// committed), the commune's views (another file) never told.
func (d *DB) CrashAppendDown(commune string, make func(seq uint64) (app.Command, error)) (app.Command, error) {
	cl, err := d.Commune(commune)
	if err != nil {
		return app.Command{}, err
	}
	return cl.(*communeLog).appendDownLog(make)
}

var _ interface {
	hub.Storage
	CrashAppendDown(string, func(uint64) (app.Command, error)) (app.Command, error)
} = (*DB)(nil)
