/**
 * Types for the parts of the `smpp` package (0.5, untyped CommonJS) that Voxmail uses:
 * the client session (SmppSender) and the server (test/support/smsc.ts). Only what is
 * called is declared, so that nothing typed `any` leaks out of the package.
 *
 * PDU field names are those of the SMPP specification (SMPP 3.4 §4 "PDU definitions");
 * the package decodes `short_message` by `data_coding` (and splits off a UDH when
 * esm_class has the UDHI bit) unless it was given as a Buffer when sending.
 */
declare module 'smpp' {
  import { EventEmitter } from 'node:events';
  import { Server as NetServer } from 'node:net';

  namespace smpp {
    /** `short_message` as decoded by the package: the UDH information elements and the text. */
    interface DecodedShortMessage {
      /** Each IE as [IEI, length, ...data] (3GPP TS 23.040 §9.2.3.24). */
      readonly udh?: Buffer[];
      /** A string when the data_coding is one the package decodes, else the raw octets. */
      readonly message: string | Buffer;
    }

    /** Values a PDU field can take when building one. */
    type PduFieldValue = string | number | Buffer | DecodedShortMessage | null | undefined;

    /** Options of a PDU to send: its mandatory and TLV parameters by their SMPP names. */
    interface PduOptions {
      readonly sequence_number?: number;
      readonly command_status?: number;
      readonly [field: string]: PduFieldValue;
    }

    /** A received (decoded) or built PDU. */
    class PDU {
      constructor(command: string, options?: PduOptions);
      /** The command name, e.g. "submit_sm_resp", or "unknown". */
      command: string;
      command_id: number;
      command_length: number;
      command_status: number;
      sequence_number: number;
      // Fields of the commands we read (SMPP 3.4 §4.1–4.11); absent when the PDU has none.
      system_id?: string;
      password?: string;
      system_type?: string;
      interface_version?: number;
      message_id?: string;
      service_type?: string;
      source_addr_ton?: number;
      source_addr_npi?: number;
      source_addr?: string;
      dest_addr_ton?: number;
      dest_addr_npi?: number;
      destination_addr?: string;
      esm_class?: number;
      protocol_id?: number;
      priority_flag?: number;
      registered_delivery?: number;
      data_coding?: number;
      short_message?: DecodedShortMessage | Buffer;
      // TLVs (SMPP 3.4 §5.3.2).
      receipted_message_id?: string;
      message_state?: number;
      network_error_code?: Buffer;
      isResponse(): boolean;
      /** The response PDU to this request (same sequence_number); generic_nack for an unknown command. */
      response(options?: PduOptions): PDU;
    }

    type ResponseCallback = (pdu: PDU) => void;

    class Session extends EventEmitter {
      /** Requests the package generates a sequence number for; the callback gets the response. */
      send(pdu: PDU, responseCallback?: ResponseCallback, sendCallback?: ResponseCallback): boolean;
      bind_transmitter(options: PduOptions, responseCallback?: ResponseCallback): boolean;
      bind_transceiver(options: PduOptions, responseCallback?: ResponseCallback): boolean;
      submit_sm(options: PduOptions, responseCallback?: ResponseCallback): boolean;
      deliver_sm(options: PduOptions, responseCallback?: ResponseCallback): boolean;
      enquire_link(options: PduOptions, responseCallback?: ResponseCallback): boolean;
      unbind(options: PduOptions, responseCallback?: ResponseCallback): boolean;
      pause(): void;
      resume(): void;
      /** Half-closes the socket (end). */
      close(callback?: () => void): void;
      destroy(callback?: () => void): void;
      on(event: 'connect' | 'close', listener: () => void): this;
      on(event: 'error', listener: (error: Error) => void): this;
      /** 'pdu' for every PDU, then the PDU's command name ('submit_sm', 'bind_transceiver'...). */
      on(event: string, listener: (pdu: PDU) => void): this;
      once(event: 'connect' | 'close', listener: () => void): this;
      once(event: 'error', listener: (error: Error) => void): this;
      once(event: string, listener: (pdu: PDU) => void): this;
    }

    interface ConnectOptions {
      readonly host: string;
      readonly port: number;
      /** Makes the package send enquire_link itself; Voxmail runs its own timer instead. */
      readonly auto_enquire_link_period?: number;
    }

    class Server extends NetServer {
      readonly sessions: Session[];
    }

    function connect(options: ConnectOptions, listener?: () => void): Session;
    function createServer(listener: (session: Session) => void): Server;
    function createServer(options: Record<string, never>, listener: (session: Session) => void): Server;
  }

  export = smpp;
}
