package uplink

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"net/http"
)

// rebuild takes every command and scan the hub holds for the installation
// this PC replaces.
func (u *Uplink) rebuild(ctx context.Context, inst string, key ed25519.PrivateKey) error {
	after, n := "", 0
	for {
		var res LogResponse
		if err := u.signed(ctx, http.MethodGet, PathLog+"?after="+after, inst, key, nil, &res); err != nil {
			return err
		}
		if len(res.Commands) > 0 {
			if err := u.cfg.Source.Apply(ctx, res.Commands...); err != nil {
				return fmt.Errorf("rebuild: %w", err)
			}
			ids := make([]string, len(res.Commands))
			for i, c := range res.Commands {
				ids[i] = c.ID
			}
			if err := u.cfg.Source.MarkSent(ids); err != nil {
				return err
			}
			n += len(res.Commands)
		}
		if res.Next == "" {
			break
		}
		after = res.Next
	}
	u.log.Info("office rebuilt from the hub", "commands", n)
	if u.cfg.Blobs == nil {
		return nil
	}
	hashes, err := u.cfg.Source.AttachmentHashes()
	if err != nil {
		return err
	}
	for _, h := range hashes {
		if ok, _ := u.cfg.Blobs.HasBlob(h); ok {
			continue
		}
		r, err := http.NewRequestWithContext(ctx, http.MethodGet, u.cfg.Hub+PathBlobs+h, nil)
		if err != nil {
			return err
		}
		Sign(r, inst, key, u.cfg.Now(), nil)
		res, err := u.cfg.Client.Do(r)
		if err != nil {
			return err
		}
		if res.StatusCode != http.StatusOK {
			res.Body.Close()
			continue // the hub lacks it too: the office never sent it
		}
		err = u.cfg.Blobs.Put(h, res.Body, MaxBlobBytes)
		res.Body.Close()
		if err != nil {
			return fmt.Errorf("rebuild scan %s: %w", h, err)
		}
	}
	return nil
}
