package uplink

import (
	"context"
	"crypto/ed25519"
	"io"
	"net/http"
)

// pushBlobs sends the scans the hub lacks, each checked by its hash there.
func (u *Uplink) pushBlobs(ctx context.Context, inst string, key ed25519.PrivateKey) error {
	if u.cfg.Blobs == nil {
		return nil
	}
	all, err := u.cfg.Source.AttachmentHashes()
	if err != nil {
		return err
	}
	var ask []string
	for _, h := range all {
		if u.hubHas[h] {
			continue
		}
		if ok, err := u.cfg.Blobs.HasBlob(h); err == nil && ok {
			ask = append(ask, h)
		}
	}
	for len(ask) > 0 {
		n := min(len(ask), 1000)
		body, err := Encode(BlobsWant{Hashes: ask[:n]})
		if err != nil {
			return err
		}
		var missing BlobsWant
		if err := u.signed(ctx, http.MethodPost, PathBlobsWant, inst, key, body, &missing); err != nil {
			return err
		}
		want := map[string]bool{}
		for _, h := range missing.Hashes {
			want[h] = true
		}
		for _, h := range ask[:n] {
			if want[h] {
				if err := u.putBlob(ctx, inst, key, h); err != nil {
					return err
				}
			}
			u.hubHas[h] = true
		}
		ask = ask[n:]
	}
	return nil
}

func (u *Uplink) putBlob(ctx context.Context, inst string, key ed25519.PrivateKey, hash string) error {
	f, err := u.cfg.Blobs.Blob(hash)
	if err != nil {
		return err
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxBlobBytes+1))
	f.Close()
	if err != nil {
		return err
	}
	return u.signed(ctx, http.MethodPut, PathBlobs+hash, inst, key, data, nil)
}
