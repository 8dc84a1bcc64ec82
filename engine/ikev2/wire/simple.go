package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// KE is the Key Exchange payload (RFC 7296 section 3.4). The length of Data
// is checked against the group by the key-exchange code, not here.
type KE struct {
	Generic
	Group    DHGroup
	Reserved [2]byte
	Data     []byte
}

// Type returns PayloadKE.
func (*KE) Type() PayloadType { return PayloadKE }

func (p *KE) appendBody(b []byte) ([]byte, error) {
	b = binary.BigEndian.AppendUint16(b, uint16(p.Group))
	b = append(b, p.Reserved[:]...)
	return append(b, p.Data...), nil
}

func decodeKE(body []byte) (*KE, error) {
	if len(body) < 4 {
		return nil, syntaxErr("KE body of %d octets, need at least 4", len(body))
	}
	return &KE{Group: DHGroup(binary.BigEndian.Uint16(body)), Reserved: [2]byte(body[2:4]), Data: body[4:]}, nil
}

// ID is the Identification payload, IDi or IDr (RFC 7296 section 3.5).
type ID struct {
	Generic
	// Responder selects IDr; otherwise the payload is IDi.
	Responder bool
	IDType    IDType
	Reserved  [3]byte
	Data      []byte
}

// Type returns PayloadIDi or PayloadIDr.
func (p *ID) Type() PayloadType {
	if p.Responder {
		return PayloadIDr
	}
	return PayloadIDi
}

func (p *ID) appendBody(b []byte) ([]byte, error) {
	b = append(b, byte(p.IDType))
	b = append(b, p.Reserved[:]...)
	return append(b, p.Data...), nil
}

func decodeID(body []byte, responder bool) (*ID, error) {
	if len(body) < 4 {
		return nil, syntaxErr("ID body of %d octets, need at least 4", len(body))
	}
	return &ID{Responder: responder, IDType: IDType(body[0]), Reserved: [3]byte(body[1:4]), Data: body[4:]}, nil
}

// Cert is the Certificate payload (RFC 7296 section 3.6).
type Cert struct {
	Generic
	Encoding CertEncoding
	Data     []byte
}

// Type returns PayloadCERT.
func (*Cert) Type() PayloadType { return PayloadCERT }

func (p *Cert) appendBody(b []byte) ([]byte, error) {
	return append(append(b, byte(p.Encoding)), p.Data...), nil
}

func decodeCert(body []byte) (*Cert, error) {
	if len(body) < 1 {
		return nil, syntaxErr("empty CERT body")
	}
	return &Cert{Encoding: CertEncoding(body[0]), Data: body[1:]}, nil
}

// CertReq is the Certificate Request payload (RFC 7296 section 3.7); for
// X.509 encodings Data is a list of 20-octet SHA-1 hashes of CA public keys.
type CertReq struct {
	Generic
	Encoding CertEncoding
	Data     []byte
}

// Type returns PayloadCERTREQ.
func (*CertReq) Type() PayloadType { return PayloadCERTREQ }

func (p *CertReq) appendBody(b []byte) ([]byte, error) {
	return append(append(b, byte(p.Encoding)), p.Data...), nil
}

func decodeCertReq(body []byte) (*CertReq, error) {
	if len(body) < 1 {
		return nil, syntaxErr("empty CERTREQ body")
	}
	return &CertReq{Encoding: CertEncoding(body[0]), Data: body[1:]}, nil
}

// Auth is the Authentication payload (RFC 7296 section 3.8).
type Auth struct {
	Generic
	Method   AuthMethod
	Reserved [3]byte
	Data     []byte
}

// Type returns PayloadAUTH.
func (*Auth) Type() PayloadType { return PayloadAUTH }

func (p *Auth) appendBody(b []byte) ([]byte, error) {
	b = append(b, byte(p.Method))
	b = append(b, p.Reserved[:]...)
	return append(b, p.Data...), nil
}

func decodeAuth(body []byte) (*Auth, error) {
	if len(body) < 4 {
		return nil, syntaxErr("AUTH body of %d octets, need at least 4", len(body))
	}
	return &Auth{Method: AuthMethod(body[0]), Reserved: [3]byte(body[1:4]), Data: body[4:]}, nil
}

// Nonce lengths allowed by RFC 7296 section 3.9: at least 128 and at most
// 2048 bits.
const (
	MinNonceLen = 16
	MaxNonceLen = 256
)

// Nonce is the Nonce payload, Ni or Nr (RFC 7296 section 3.9).
type Nonce struct {
	Generic
	Data []byte
}

// Type returns PayloadNonce.
func (*Nonce) Type() PayloadType { return PayloadNonce }

var errNonceLen = fmt.Errorf("nonce must be %d to %d octets", MinNonceLen, MaxNonceLen)

func (p *Nonce) appendBody(b []byte) ([]byte, error) {
	if len(p.Data) < MinNonceLen || len(p.Data) > MaxNonceLen {
		return b, fmt.Errorf("%d octets: %w", len(p.Data), errNonceLen)
	}
	return append(b, p.Data...), nil
}

func decodeNonce(body []byte) (*Nonce, error) {
	if len(body) < MinNonceLen || len(body) > MaxNonceLen {
		return nil, syntaxErr("%d octets: %v", len(body), errNonceLen)
	}
	return &Nonce{Data: body}, nil
}

// Notify is the Notify payload (RFC 7296 section 3.10). The SPI Size field
// is len(SPI).
type Notify struct {
	Generic
	Protocol   ProtocolID
	SPI        []byte
	NotifyType NotifyType
	Data       []byte
}

// Type returns PayloadN.
func (*Notify) Type() PayloadType { return PayloadN }

var errSPITooLong = errors.New("SPI longer than 255 octets")

func (p *Notify) appendBody(b []byte) ([]byte, error) {
	if len(p.SPI) > 0xFF {
		return b, errSPITooLong
	}
	b = append(b, byte(p.Protocol), byte(len(p.SPI)))
	b = binary.BigEndian.AppendUint16(b, uint16(p.NotifyType))
	b = append(b, p.SPI...)
	return append(b, p.Data...), nil
}

func decodeNotify(body []byte) (*Notify, error) {
	if len(body) < 4 {
		return nil, syntaxErr("N body of %d octets, need at least 4", len(body))
	}
	spiLen := int(body[1])
	if 4+spiLen > len(body) {
		return nil, syntaxErr("N SPI size %d exceeds the %d-octet body", spiLen, len(body))
	}
	return &Notify{
		Protocol:   ProtocolID(body[0]),
		NotifyType: NotifyType(binary.BigEndian.Uint16(body[2:])),
		SPI:        body[4 : 4+spiLen],
		Data:       body[4+spiLen:],
	}, nil
}

// Delete is the Delete payload (RFC 7296 section 3.11). Every SPI must be
// SPISize octets long; an IKE SA delete has SPISize 0 and no SPIs.
type Delete struct {
	Generic
	Protocol ProtocolID
	SPISize  uint8
	SPIs     [][]byte
}

// Type returns PayloadD.
func (*Delete) Type() PayloadType { return PayloadD }

func (p *Delete) appendBody(b []byte) ([]byte, error) {
	if len(p.SPIs) > 0xFFFF {
		return b, fmt.Errorf("%d SPIs do not fit in 16 bits", len(p.SPIs))
	}
	if p.SPISize == 0 && len(p.SPIs) != 0 {
		return b, errors.New("SPIs with SPI size 0")
	}
	b = append(b, byte(p.Protocol), p.SPISize)
	b = binary.BigEndian.AppendUint16(b, uint16(len(p.SPIs)))
	for i, spi := range p.SPIs {
		if len(spi) != int(p.SPISize) {
			return b, fmt.Errorf("SPI %d has %d octets, SPI size is %d", i+1, len(spi), p.SPISize)
		}
		b = append(b, spi...)
	}
	return b, nil
}

func decodeDelete(body []byte) (*Delete, error) {
	if len(body) < 4 {
		return nil, syntaxErr("D body of %d octets, need at least 4", len(body))
	}
	p := &Delete{Protocol: ProtocolID(body[0]), SPISize: body[1]}
	n := int(binary.BigEndian.Uint16(body[2:]))
	spis := body[4:]
	if p.SPISize == 0 && n != 0 {
		return nil, syntaxErr("D with %d SPIs of size 0", n)
	}
	if n*int(p.SPISize) != len(spis) {
		return nil, syntaxErr("D with %d SPIs of %d octets in %d octets", n, p.SPISize, len(spis))
	}
	if n > 0 {
		p.SPIs = make([][]byte, n)
		for i := range p.SPIs {
			p.SPIs[i] = spis[i*int(p.SPISize) : (i+1)*int(p.SPISize)]
		}
	}
	return p, nil
}

// VendorID is the Vendor ID payload (RFC 7296 section 3.12).
type VendorID struct {
	Generic
	Data []byte
}

// Type returns PayloadV.
func (*VendorID) Type() PayloadType { return PayloadV }

func (p *VendorID) appendBody(b []byte) ([]byte, error) { return append(b, p.Data...), nil }

// EAP is the Extensible Authentication payload (RFC 7296 section 3.16),
// kept as the raw EAP message (RFC 3748).
type EAP struct {
	Generic
	Data []byte
}

// Type returns PayloadEAP.
func (*EAP) Type() PayloadType { return PayloadEAP }

func (p *EAP) appendBody(b []byte) ([]byte, error) { return append(b, p.Data...), nil }
