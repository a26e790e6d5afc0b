// Package release is the repository side of updates, for `xaso release`
// (provincial IT): keys, a new repository, targets added and signed,
// keys rotated, and an offline check of a repository or a downloaded
// target through the same go-tuf client the PCs run (sync/update). The
// format is The Update Framework's: go-tuf writes and verifies it.
package release

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"xaso/app"
)

// Keygen writes a new Ed25519 key: the private key to path (PKCS #8 PEM,
// readable by its owner only) and the public key to path + ".pub". It
// refuses to overwrite a key. It returns the key's TUF ID.
func Keygen(path string) (string, error) {
	if _, err := os.Stat(path); err == nil {
		return "", app.Errorf(app.EConflict, "out", "Tệp khoá %s đã có; không ghi đè khoá.", "key file %s exists: a key is never overwritten", path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", err
	}
	pubDER, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("write key: %w", err)
	}
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	if err := os.WriteFile(path+".pub", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644); err != nil {
		return "", err
	}
	k, err := metadata.KeyFromPublicKey(pub)
	if err != nil {
		return "", err
	}
	return k.ID()
}

// Key is a key read from a file: the public part always, the private part
// when the file holds it.
type Key struct {
	File string
	Pub  *metadata.Key
	ID   string
	priv ed25519.PrivateKey
}

// Signer returns the key's signer; an error when the file held only the
// public key.
func (k *Key) Signer() (signature.Signer, error) {
	if k.priv == nil {
		return nil, app.Errorf(app.EInvalid, "key", "Tệp %s chỉ có khoá công khai; cần tệp khoá bí mật để ký.",
			"%s holds only a public key: signing needs the private key file", k.File)
	}
	return signature.LoadSigner(k.priv, crypto.Hash(0))
}

// ReadKey reads a private key file of Keygen, or its .pub file.
func ReadKey(path string) (*Key, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, app.Errorf(app.EInvalid, "key", "Không đọc được tệp khoá %s.", "cannot read key file %s", path).WithCause(err)
	}
	block, _ := pem.Decode(raw)
	bad := app.Errorf(app.EInvalid, "key", "Tệp %s không phải khoá Ed25519 của `xaso release keygen`.",
		"%s is not an Ed25519 key of `xaso release keygen`", path)
	if block == nil {
		return nil, bad
	}
	k := &Key{File: path}
	var pub ed25519.PublicKey
	switch block.Type {
	case "PRIVATE KEY":
		p, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		priv, ok := p.(ed25519.PrivateKey)
		if err != nil || !ok {
			return nil, bad.WithCause(err)
		}
		k.priv, pub = priv, priv.Public().(ed25519.PublicKey)
	case "PUBLIC KEY":
		p, err := x509.ParsePKIXPublicKey(block.Bytes)
		pk, ok := p.(ed25519.PublicKey)
		if err != nil || !ok {
			return nil, bad.WithCause(err)
		}
		pub = pk
	default:
		return nil, bad
	}
	if k.Pub, err = metadata.KeyFromPublicKey(pub); err != nil {
		return nil, err
	}
	if k.ID, err = k.Pub.ID(); err != nil {
		return nil, err
	}
	return k, nil
}

// ReadKeys reads several key files.
func ReadKeys(paths []string) ([]*Key, error) {
	out := make([]*Key, 0, len(paths))
	for _, p := range paths {
		k, err := ReadKey(p)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, nil
}
