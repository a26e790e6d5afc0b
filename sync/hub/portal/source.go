package portal

import (
	"context"
	"fmt"
	"strings"

	"xaso/app"
	"xaso/sync/hub"
)

// Change is a dossier as it stands after a change, with its commune.
type Change struct {
	Commune string
	Dossier app.Dossier
}

// Source reads the dossiers changed after a cursor (opaque; "" is the
// start), at most limit, and the cursor to read on from. Every change is
// seen at least once; the outbox sends a state once however often it is
// seen. pgstore reads its change feed; ScanSource works on any storage.
type Source interface {
	Changes(ctx context.Context, cursor string, limit int) ([]Change, string, error)
}

// ScanSource reads every dossier of every commune, page by page, and starts
// over once through (the embedded bbolt storage keeps no change feed).
type ScanSource struct{ Storage hub.Storage }

// Changes implements Source: the cursor is the commune and its list page.
func (s ScanSource) Changes(_ context.Context, cursor string, limit int) ([]Change, string, error) {
	infos, err := s.Storage.CommuneInfos()
	if err != nil {
		return nil, "", err
	}
	code, page, _ := strings.Cut(cursor, "|")
	for _, info := range infos {
		if info.Code < code {
			continue
		}
		if info.Code > code {
			page = ""
		}
		cl, err := s.Storage.Commune(info.Code)
		if err != nil {
			return nil, "", fmt.Errorf("commune %s: %w", info.Code, err)
		}
		items, next, err := cl.Dossiers(app.ListQuery{Limit: limit, After: page})
		if err != nil {
			return nil, "", fmt.Errorf("commune %s: %w", info.Code, err)
		}
		out := make([]Change, 0, len(items))
		for _, d := range items {
			out = append(out, Change{Commune: info.Code, Dossier: d})
		}
		if next != "" {
			return out, info.Code + "|" + next, nil
		}
		if len(out) > 0 {
			return out, info.Code + "~", nil // "~" sorts after every code: the next commune
		}
		code = info.Code + "~"
	}
	return nil, "", nil
}
