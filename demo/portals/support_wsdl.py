"""The support desk's service description: a SOAP 1.1 document/literal WSDL with its XSD.

    GET /soap?wsdl   (also /soap/support.wsdl)  ─▶ support_wsdl(address)

It describes exactly what the desk has always sent and accepted, so that a generic SOAP
client (zeep) can call it: the operation elements live in `SERVICE_NS`, everything inside
them is unqualified (``elementFormDefault="unqualified"``), as the desk's legacy plain
envelopes are. The document is self-contained (no imports), so a client that forbids
external references can still load it.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

__all__ = ["SERVICE_NS", "SOAP_ENV_NS", "support_wsdl"]

SERVICE_NS = "urn:portalgate:demo:support:v1"
SOAP_ENV_NS = "http://schemas.xmlsoap.org/soap/envelope/"

_OPERATIONS = ("GetTickets", "GetCases", "OpenTicket")

_SCHEMA = """\
    <xsd:schema targetNamespace="urn:portalgate:demo:support:v1"
                elementFormDefault="unqualified" attributeFormDefault="unqualified">
      <xsd:complexType name="Ticket">
        <xsd:sequence>
          <xsd:element name="Subject" type="xsd:string"/>
          <xsd:element name="Status" type="xsd:string"/>
          <xsd:element name="Opened" type="xsd:dateTime"/>
          <xsd:element name="LastUpdate" type="xsd:dateTime"/>
        </xsd:sequence>
        <xsd:attribute name="id" type="xsd:string" use="required"/>
        <xsd:attribute name="partyId" type="xsd:string" use="required"/>
      </xsd:complexType>
      <xsd:complexType name="Step">
        <xsd:simpleContent>
          <xsd:extension base="xsd:string">
            <xsd:attribute name="seq" type="xsd:int" use="required"/>
            <xsd:attribute name="state" type="xsd:string" use="required"/>
          </xsd:extension>
        </xsd:simpleContent>
      </xsd:complexType>
      <xsd:complexType name="Requirement">
        <xsd:simpleContent>
          <xsd:extension base="xsd:string">
            <xsd:attribute name="kind" type="xsd:string" use="required"/>
            <xsd:attribute name="due" type="xsd:date"/>
          </xsd:extension>
        </xsd:simpleContent>
      </xsd:complexType>
      <xsd:complexType name="Case">
        <xsd:sequence>
          <xsd:element name="Title" type="xsd:string"/>
          <xsd:element name="Status" type="xsd:string"/>
          <xsd:element name="Steps">
            <xsd:complexType>
              <xsd:sequence>
                <xsd:element name="Step" type="tns:Step" minOccurs="0" maxOccurs="unbounded"/>
              </xsd:sequence>
            </xsd:complexType>
          </xsd:element>
          <xsd:element name="CurrentStep" type="xsd:int"/>
          <xsd:element name="Requirements">
            <xsd:complexType>
              <xsd:sequence>
                <xsd:element name="Requirement" type="tns:Requirement"
                             minOccurs="0" maxOccurs="unbounded"/>
              </xsd:sequence>
            </xsd:complexType>
          </xsd:element>
        </xsd:sequence>
        <xsd:attribute name="id" type="xsd:string" use="required"/>
        <xsd:attribute name="partyId" type="xsd:string" use="required"/>
        <xsd:attribute name="type" type="xsd:string" use="required"/>
      </xsd:complexType>
      <xsd:complexType name="PartyIds">
        <xsd:sequence>
          <xsd:element name="PartyId" type="xsd:string" maxOccurs="unbounded"/>
        </xsd:sequence>
      </xsd:complexType>
      <xsd:element name="GetTickets" type="tns:PartyIds"/>
      <xsd:element name="GetCases" type="tns:PartyIds"/>
      <xsd:element name="GetTicketsResponse">
        <xsd:complexType>
          <xsd:sequence>
            <xsd:element name="Ticket" type="tns:Ticket" minOccurs="0" maxOccurs="unbounded"/>
          </xsd:sequence>
        </xsd:complexType>
      </xsd:element>
      <xsd:element name="GetCasesResponse">
        <xsd:complexType>
          <xsd:sequence>
            <xsd:element name="Case" type="tns:Case" minOccurs="0" maxOccurs="unbounded"/>
          </xsd:sequence>
        </xsd:complexType>
      </xsd:element>
      <xsd:element name="OpenTicket">
        <xsd:complexType>
          <xsd:sequence>
            <xsd:element name="PartyId" type="xsd:string"/>
            <xsd:element name="Subject" type="xsd:string"/>
            <xsd:element name="Message" type="xsd:string" minOccurs="0"/>
          </xsd:sequence>
        </xsd:complexType>
      </xsd:element>
      <xsd:element name="OpenTicketResponse">
        <xsd:complexType>
          <xsd:sequence>
            <xsd:element name="Ticket" type="tns:Ticket"/>
          </xsd:sequence>
        </xsd:complexType>
      </xsd:element>
    </xsd:schema>"""


def support_wsdl(address: str) -> str:
    """The WSDL, with the endpoint `address` (the URL of ``POST /soap``) in its port."""
    messages = "".join(
        f'  <wsdl:message name="{op}{io}">\n'
        f'    <wsdl:part name="parameters" element="tns:{op}{io}"/>\n'
        "  </wsdl:message>\n"
        for op in _OPERATIONS
        for io in ("", "Response")
    )
    port_operations = "".join(
        f'    <wsdl:operation name="{op}">\n'
        f'      <wsdl:input message="tns:{op}"/>\n'
        f'      <wsdl:output message="tns:{op}Response"/>\n'
        "    </wsdl:operation>\n"
        for op in _OPERATIONS
    )
    bound_operations = "".join(
        f'    <wsdl:operation name="{op}">\n'
        f'      <soap:operation soapAction="{op}" style="document"/>\n'
        '      <wsdl:input><soap:body use="literal"/></wsdl:input>\n'
        '      <wsdl:output><soap:body use="literal"/></wsdl:output>\n'
        "    </wsdl:operation>\n"
        for op in _OPERATIONS
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<wsdl:definitions name="SupportDesk"\n'
        f'    targetNamespace="{SERVICE_NS}"\n'
        f'    xmlns:tns="{SERVICE_NS}"\n'
        '    xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"\n'
        '    xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"\n'
        '    xmlns:xsd="http://www.w3.org/2001/XMLSchema">\n'
        f"  <wsdl:types>\n{_SCHEMA}\n  </wsdl:types>\n"
        f"{messages}"
        f'  <wsdl:portType name="SupportDeskPortType">\n{port_operations}  </wsdl:portType>\n'
        '  <wsdl:binding name="SupportDeskBinding" type="tns:SupportDeskPortType">\n'
        '    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>\n'
        f"{bound_operations}  </wsdl:binding>\n"
        '  <wsdl:service name="SupportDesk">\n'
        '    <wsdl:port name="SupportDeskPort" binding="tns:SupportDeskBinding">\n'
        f"      <soap:address location={quoteattr(address)}/>\n"
        "    </wsdl:port>\n"
        "  </wsdl:service>\n"
        "</wsdl:definitions>\n"
    )
