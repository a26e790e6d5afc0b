package uplink

import (
	"bytes"
	"cmp"
	"context"
	"crypto/ed25519"
	crand "crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"xaso/app"
)

// The office's identity towards the hub: its signing key (kept through the
// office's log, never sent) and its enrolment.

// officeKey returns the office's signing key, making it first when create is
// set: a random seed, kept as an install.key command through the office's
// log (Raft when clustered) before the hub hears of it, so a retry after a
// lost answer, a restart or a new leader binds the same key. The seed
// never leaves the office.
func (u *Uplink) officeKey(ctx context.Context, create bool) (ed25519.PrivateKey, bool, error) {
	k, ok, err := u.cfg.Source.InstallKey()
	if err != nil || (!ok && !create) {
		return nil, false, err
	}
	if ok {
		return k.Key(), true, nil
	}
	seed := make32()
	c, err := u.cfg.NewCommand(app.KindInstallKey, &app.InstallKey{Seed: seed})
	if err != nil {
		return nil, false, err
	}
	c.ID = app.InstallKeyPrefix + app.RandomID()
	if err := u.cfg.Log.Append(ctx, c); err != nil {
		return nil, false, fmt.Errorf("keep the office's signing key: %w", err)
	}
	// Read it back: when two PCs made one, the office keeps the first.
	if k, ok, err = u.cfg.Source.InstallKey(); err != nil || !ok {
		return nil, false, cmp.Or(err, errors.New("the office's signing key was not kept"))
	}
	return k.Key(), true, nil
}

func make32() []byte {
	b := make([]byte, ed25519.SeedSize)
	if _, err := crand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return b
}

// identity returns the office's identity and signing key, enrolling on
// first contact (and rebuilding the office from the hub when the token
// says so).
func (u *Uplink) identity(ctx context.Context) (app.Installation, ed25519.PrivateKey, error) {
	inst, enrolled, err := u.cfg.Source.Installation()
	if err != nil {
		return app.Installation{}, nil, err
	}
	renew := false
	if enrolled {
		key, ok, err := u.officeKey(ctx, false)
		if err != nil {
			return app.Installation{}, nil, err
		}
		if ok {
			if u.cfg.Token == "" || u.tokenChecked() {
				return inst, key, nil
			}
			// A token given to an enrolled office: the one it enrolled with
			// (the hub answers as before), or one IT issued to replace a
			// revoked or stolen key, which the hub binds to a new key only.
			if renew, err = u.checkToken(ctx, key); err != nil || !renew {
				return inst, key, err
			}
		} else if u.cfg.Token == "" {
			return app.Installation{}, nil, errNoKey
		}
		// An office enrolled without a key of its own here (enrolled by an
		// older version, whose key the hub held), or whose key the hub
		// refused: the token gives it a new one; the rebuild then finds
		// every command here already.
	} else if u.cfg.Token == "" {
		return app.Installation{}, nil, errNotEnrolled
	}
	var key ed25519.PrivateKey
	if renew {
		key, err = u.newOfficeKey(ctx)
	} else {
		key, _, err = u.officeKey(ctx, true)
	}
	if err != nil {
		return app.Installation{}, nil, err
	}
	res, req, err := u.enrol(ctx, key)
	if err != nil {
		return app.Installation{}, nil, err
	}
	u.setTokenChecked(true)
	u.log.Info("enrolled with the hub", "installation", res.Installation, "commune", res.Commune, "replacement", res.Replacement)
	if res.Replacement {
		if err := u.rebuild(ctx, res.Installation, key); err != nil {
			return app.Installation{}, nil, err
		}
		if inst, ok, err := u.cfg.Source.Installation(); err != nil || ok {
			return inst, key, err // the lost office's own identity, from its log
		}
	}
	if !res.Replacement && req.Commune == "" {
		// A new installation, not a rebuild, on a PC never set up: the token
		// stays bound to this PC's key, so a start with --commune carries on.
		return app.Installation{}, nil, errNeedsCommune
	}
	inst = app.Installation{ID: res.Installation, Commune: res.Commune, Hub: u.cfg.Hub}
	c, err := u.cfg.NewCommand(app.KindInstallation, &inst)
	if err != nil {
		return app.Installation{}, nil, err
	}
	cmds := []app.Command{c}
	// The slots granted to the commune's other installations are reserved
	// here, so this office's leases (app.FreeSlot) never pick them.
	for s := range app.SlotCount {
		if slices.Contains(res.Slots, s) || slices.Contains(req.Held, s) {
			continue
		}
		r, err := u.cfg.NewCommand(app.KindSlotLease, &app.SlotBody{Slot: s, Node: ReservedHolder})
		if err != nil {
			return app.Installation{}, nil, err
		}
		cmds = append(cmds, r)
	}
	if err := u.cfg.Log.Append(ctx, cmds...); err != nil {
		return app.Installation{}, nil, fmt.Errorf("keep the installation identity: %w", err)
	}
	return inst, key, nil
}

// enrol sends the configured token with key's public part.
func (u *Uplink) enrol(ctx context.Context, key ed25519.PrivateKey) (EnrolResponse, EnrolRequest, error) {
	node := u.cfg.Source.NodeID()
	req := EnrolRequest{Token: u.cfg.Token, Node: node, Version: u.cfg.Version,
		PublicKey: base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))}
	if c, ok, err := u.cfg.Source.Commune(); err != nil {
		return EnrolResponse{}, EnrolRequest{}, err
	} else if ok {
		req.Commune = c.Commune
	}
	slots, err := u.cfg.Source.Slots()
	if err != nil {
		return EnrolResponse{}, EnrolRequest{}, err
	}
	for _, l := range slots {
		if l.Holder != "" && l.Holder != ReservedHolder {
			req.Held = append(req.Held, l.Slot)
		}
	}
	raw, _ := json.Marshal(req)
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, u.cfg.Hub+PathEnrol, bytes.NewReader(raw))
	if err != nil {
		return EnrolResponse{}, EnrolRequest{}, err
	}
	r.Header.Set("Content-Type", "application/json")
	var res EnrolResponse
	if err := u.do(r, &res, false); err != nil {
		return EnrolResponse{}, EnrolRequest{}, err
	}
	return res, req, nil
}

// checkToken enrols the office's current key with the configured token,
// once a run: the hub answers for the token the key was bound with, and
// refuses a replacement token with a key the installation had (the stolen
// PC carries it), or the key it revoked: the office then needs a new key
// (renew). A token the hub no longer takes (revoked, used, expired)
// changes nothing: the office signs on with its key.
func (u *Uplink) checkToken(ctx context.Context, key ed25519.PrivateKey) (renew bool, err error) {
	_, _, err = u.enrol(ctx, key)
	switch code := app.ErrorCode(err); code {
	case "":
		u.setTokenChecked(true)
		return false, nil
	case EKeyReused, EKeyRevoked:
		u.log.Warn("the hub refused the office's key for the enrolment token: making a new key", "code", code)
		return true, nil
	case "enrolment_token_unknown", "enrolment_token_used", "enrolment_token_expired", "enrolment_token_revoked", "wrong_commune":
		u.log.Warn("the enrolment token is no longer taken by the hub; the office keeps its key", "code", code)
		u.setTokenChecked(true)
		return false, nil
	}
	return false, err
}

func (u *Uplink) tokenChecked() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.checked
}

func (u *Uplink) setTokenChecked(ok bool) {
	u.mu.Lock()
	u.checked = ok
	u.mu.Unlock()
}

// newOfficeKey makes a key of the next generation, which replaces the
// current one in every PC's fold (app.InstallKey): kept through the
// office's log before the hub hears of it, like the first.
func (u *Uplink) newOfficeKey(ctx context.Context) (ed25519.PrivateKey, error) {
	cur, _, err := u.cfg.Source.InstallKey()
	if err != nil {
		return nil, err
	}
	c, err := u.cfg.NewCommand(app.KindInstallKey, &app.InstallKey{Seed: make32(), Generation: cur.Generation + 1})
	if err != nil {
		return nil, err
	}
	c.ID = app.InstallKeyPrefix + app.RandomID()
	if err := u.cfg.Log.Append(ctx, c); err != nil {
		return nil, fmt.Errorf("keep the office's new signing key: %w", err)
	}
	k, ok, err := u.cfg.Source.InstallKey()
	if err != nil || !ok || k.Generation <= cur.Generation {
		return nil, cmp.Or(err, errors.New("the office's new signing key was not kept"))
	}
	return k.Key(), nil
}
