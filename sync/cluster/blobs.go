package cluster

import (
	"bytes"
	"context"
	"errors"
	"io"
	"time"
)

// Scanned attachments reach the other PCs lazily: the command that links a
// scan to its dossier replicates through Raft at once, and each PC then
// copies the files it lacks from any peer that has them, one at a time in
// the background, so the desk never waits for a file to travel.

// Blobs is this PC's store of attachment files by SHA-256 (store.Blobs).
type Blobs interface {
	HasBlob(hash string) (bool, error)
	Blob(hash string) (io.ReadCloser, error)
	Put(hash string, r io.Reader, limit int64) error
}

// MaxBlob bounds a file copied from a peer (the desk's own limit is lower).
const MaxBlob = 32 << 20

const opBlob byte = 5 // SHA-256 → the file's bytes; an error when this PC lacks it

var errNoBlobs = errors.New("no attachment store on this PC")

// serveBlob answers a peer's request for a file.
func (c *Cluster) serveBlob(hash string) ([]byte, error) {
	if c.cfg.Blobs == nil {
		return nil, errNoBlobs
	}
	rc, err := c.cfg.Blobs.Blob(hash)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, MaxBlob+1))
}

// runBlobs copies the attachment files this PC lacks, every interval,
// until ctx ends.
func (c *Cluster) runBlobs(ctx context.Context) {
	if c.cfg.Blobs == nil || c.cfg.WantBlobs == nil {
		return
	}
	interval := c.cfg.BlobInterval
	if interval <= 0 {
		interval = 10 * time.Second
	}
	every(ctx, interval, func() {
		if n, err := c.fetchMissingBlobs(ctx); err != nil {
			c.log.Warn("copy attachments from peers", "err", err, "copied", n)
		} else if n > 0 {
			c.log.Info("copied attachments from peers", "count", n)
		}
	})
}

// fetchMissingBlobs copies each wanted file that is not here from the first
// member that has it, and returns how many it copied.
func (c *Cluster) fetchMissingBlobs(ctx context.Context) (int, error) {
	want, err := c.cfg.WantBlobs()
	if err != nil {
		return 0, err
	}
	members := c.otherMembers()
	copied := 0
	for _, hash := range want {
		if ctx.Err() != nil {
			return copied, nil
		}
		if ok, err := c.cfg.Blobs.HasBlob(hash); err != nil || ok {
			continue
		}
		for _, id := range members {
			cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			data, err := c.callNode(cctx, id, opBlob, []byte(hash))
			cancel()
			if err != nil {
				continue // that peer lacks it too, or is away: try the next
			}
			// Put checks the bytes hash to what was asked: a peer cannot plant a file.
			if err := c.cfg.Blobs.Put(hash, bytes.NewReader(data), MaxBlob); err != nil {
				c.log.Warn("attachment from peer rejected", "hash", hash, "peer", id, "err", err)
				continue
			}
			copied++
			break
		}
	}
	return copied, nil
}
