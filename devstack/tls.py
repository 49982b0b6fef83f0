"""A certificate for the local stack, generated at every start.

aws-amplify v6 always opens `wss://` for subscriptions, so the stack must speak TLS even on
127.0.0.1. A throw-away local CA signs a server certificate for 127.0.0.1 and localhost (IP and
DNS subject alternative names); Python clients are given the CA (`ca.pem`: the stack's
publisher, the tests' `verify=` / `cafile=`, `SSL_CERT_FILE` for a user's own scripts), Chromium
in the tests runs with `--ignore-certificate-errors`. EC P-256 keys: generated in milliseconds.

The CA is kept (`ca.pem`, `ca-key.pem` in the state directory) and reused while valid, so a
browser told once to trust it keeps trusting it. Each state directory has its own: two stacks
of one process trust each their own.
"""
from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALIDITY = datetime.timedelta(days=30)
CA_VALIDITY = datetime.timedelta(days=365)


@dataclass(frozen=True)
class Certificate:
    ca_path: Path  # the CA certificate clients trust (`.devstack/ca.pem`)
    cert_path: Path  # server certificate followed by the CA (the chain uvicorn serves)
    key_path: Path  # server private key


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Saint-Esprit local stack"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _saved_ca(directory: Path) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate] | None:
    try:
        key = serialization.load_pem_private_key((directory / "ca-key.pem").read_bytes(), None)
        cert = x509.load_pem_x509_certificate((directory / "ca.pem").read_bytes())
    except (OSError, ValueError):
        return None
    still_valid = cert.not_valid_after_utc - datetime.datetime.now(datetime.timezone.utc)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or still_valid < 2 * VALIDITY:
        return None
    return key, cert


def _new_ca() -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("Saint-Esprit local CA")
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, key_cert_sign=True, crl_sign=True,
                content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    return ca_key, ca_cert


def generate(directory: Path) -> Certificate:
    """Write a fresh server certificate for 127.0.0.1/localhost, signed by the local CA, into
    `directory` (with the CA, created there if none is saved)."""
    directory.mkdir(parents=True, exist_ok=True)
    ca_key, ca_cert = _saved_ca(directory) or _new_ca()
    ca_name = ca_cert.subject
    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = now - datetime.timedelta(minutes=5), now + VALIDITY

    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.IPAddress(ipaddress.IPv4Address("127.0.0.1")),
                    x509.DNSName("localhost"),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )

    ca_pem = ca_cert.public_bytes(serialization.Encoding.PEM)
    certificate = Certificate(
        ca_path=directory / "ca.pem",
        cert_path=directory / "server.pem",
        key_path=directory / "server-key.pem",
    )
    certificate.ca_path.write_bytes(ca_pem)
    ca_key_path = directory / "ca-key.pem"
    ca_key_path.write_bytes(_pem_key(ca_key))
    ca_key_path.chmod(0o600)
    certificate.cert_path.write_bytes(server_cert.public_bytes(serialization.Encoding.PEM) + ca_pem)
    certificate.key_path.write_bytes(_pem_key(server_key))
    certificate.key_path.chmod(0o600)
    return certificate
