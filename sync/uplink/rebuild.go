package uplink

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"xaso/app"
)

// rebuild takes every command and scan the hub holds for the installation
// this PC replaces. The office's identity (install.identity) is applied
// last, once every page and scan is in: its presence is what tells the next
// start that the office is enrolled, so a rebuild the link or a power cut
// interrupts starts again (idempotently) instead of carrying on with part
// of the history.
func (u *Uplink) rebuild(ctx context.Context, inst string, key ed25519.PrivateKey) error {
	after, n := "", 0
	var identities []app.Command
	apply := func(cmds []app.Command) error {
		if len(cmds) == 0 {
			return nil
		}
		if err := u.cfg.Source.Apply(ctx, cmds...); err != nil {
			return fmt.Errorf("rebuild: %w", err)
		}
		var ids []string
		for _, c := range cmds {
			if !strings.HasPrefix(c.ID, app.HubIDPrefix) { // the hub's own are never in the index
				ids = append(ids, c.ID)
			}
		}
		if len(ids) == 0 {
			return nil
		}
		return u.markSent(ctx, ids)
	}
	for {
		var res LogResponse
		if err := u.signed(ctx, http.MethodGet, PathLog+"?after="+after, inst, key, nil, &res); err != nil {
			return err
		}
		rest := res.Commands[:0:0]
		for _, c := range res.Commands {
			if c.Kind == app.KindInstallation {
				identities = append(identities, c)
			} else {
				rest = append(rest, c)
			}
		}
		if err := apply(rest); err != nil {
			return err
		}
		n += len(res.Commands)
		if res.Next == "" {
			break
		}
		after = res.Next
	}
	if err := u.rebuildScans(ctx, inst, key); err != nil {
		return err
	}
	// The lost office's PCs held some of the installation's number slots:
	// this PC may take them over (before the identity: a start after a cut
	// rebuilds and records them again).
	slots, err := u.cfg.Source.Slots()
	if err != nil {
		return err
	}
	var lost []string
	for _, l := range slots {
		if l.Holder != "" && l.Holder != ReservedHolder && l.Holder != u.cfg.Source.NodeID() && !slices.Contains(lost, l.Holder) {
			lost = append(lost, l.Holder)
		}
	}
	if err := u.cfg.Source.SetReplaced(lost); err != nil {
		return err
	}
	if err := apply(identities); err != nil {
		return err
	}
	u.log.Info("office rebuilt from the hub", "commands", n)
	return nil
}

// rebuildScans takes from the hub every scan the rebuilt commands name.
func (u *Uplink) rebuildScans(ctx context.Context, inst string, key ed25519.PrivateKey) error {
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
		res, err := u.send(ctx, http.MethodGet, PathBlobs+h, inst, key, nil)
		if app.ErrorCode(err) == app.ENotFound {
			continue // the hub lacks it too: the office never sent it
		}
		if err != nil {
			return err
		}
		err = u.cfg.Blobs.Put(h, res.Body, MaxBlobBytes)
		res.Body.Close()
		if err != nil {
			return fmt.Errorf("rebuild scan %s: %w", h, err)
		}
	}
	return nil
}
