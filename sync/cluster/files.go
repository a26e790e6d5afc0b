package cluster

import (
	"context"
	"errors"
	"time"

	"xaso/sync/peer"
)

// FetchFile asks the other members, in turn, for a file by its SHA-256
// (peer.OpFetch, over the cluster's TLS) and returns the first answer and
// who gave it. The caller verifies the bytes: a peer cannot plant a file.
func (c *Cluster) FetchFile(ctx context.Context, sha256 string) ([]byte, string, error) {
	err := errors.New("no other PC of the office")
	for _, id := range c.otherMembers() {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		b, e := c.pool.CallNode(cctx, id, peer.OpFetch, []byte(sha256))
		cancel()
		if e == nil {
			return b, id, nil
		}
		err = e
	}
	return nil, "", err
}
